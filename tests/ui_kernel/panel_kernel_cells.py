"""The cells of the notebook that drives the panel in a real IPython kernel (one kernel for all of them).

Each scenario cell drives a panel with ``button.click()`` and widget values, as a person's clicks do,
then prints one ``REPORT {...}`` line (JSON) with what the panel shows; the tests read those lines
and check every output of every cell for a traceback. The simulator runs in the kernel's process.
"""

from __future__ import annotations

SETUP = r'''
import json
import apex_notebook as apx
from apex_notebook.simulator import FakeOMS
from apex_notebook.ui.panel.progress import accepts_progress

sim = FakeOMS.seeded(seed=7)
JOURNAL = apx.Journal(JOURNAL_PATH, create=True)  # JOURNAL_PATH: set by the test in a cell before this one

def connect(user, **kwargs):
    kwargs.setdefault("timeout", 1.0)
    return apx.Client(sim.url, username=user, password="demo", transport=sim.transport(), progress=False,
                      max_retries=0, **kwargs)

def facts(panel, **extra):
    return {"banner": panel.banner.text, "level": panel.banner.level, "state": panel.state,
            "has_plan": panel.plan is not None, "count": None if panel.plan is None else panel.plan.count,
            "execute_disabled": panel.confirm.execute_button.disabled, "reason": panel.confirm.reason.value,
            "typed": panel.confirm.confirm.value, "phrase_line": panel.confirm.phrase.value,
            "summary": panel.summary.value, "headline": panel.result_view.headline,
            "result_html": panel.result_view.summary.value, "details": panel.banner.details.value, **extra}

def report(name, panel, **extra):
    print("REPORT " + json.dumps({"name": name, **facts(panel, **extra)}, default=str))

def ready(panel, account, instrument=apx.ALL, reason="kernel test"):
    panel.set_scope(account, instrument)
    panel.preview_button.click()
    panel.confirm.reason.value = reason
    panel.confirm.confirm.value = panel.plan.confirmation_phrase

ops = connect("ops")
panel = apx.CancelPanel(ops, journal=JOURNAL, verify_timeout=2.0)
'''

DISPLAY = "panel"

DRIFT = r'''
ready(panel, 10)
new_id = sim.place_order(10, 1, side="Buy", quantity=1.0, price=99.0)
before = sim.open_order_ids(account_id=10)
panel.confirm.execute_button.click()
report("drift", panel, new_id=new_id, untouched=sim.open_order_ids(account_id=10) == before)
'''

PREVIEW_503 = r'''
panel.set_scope(9, apx.ALL)
sim.faults.http_status_next("GetOpenOrders", 503, times=1)
panel.preview_button.click()
report("preview_503", panel)
'''

PREVIEW_429 = r'''
sim.faults.http_status_next("GetOpenOrders", 429, times=1)
panel.preview_button.click()
report("preview_429", panel)
'''

PREVIEW_TIMEOUT = r'''
sim.faults.hang_next("GetOpenOrders", 2.0)
panel.preview_button.click()
report("preview_timeout", panel)
'''

PARTIAL = r'''
panel.set_scope(apx.ALL, apx.ALL)
sim.faults.http_status_next("GetOpenOrders", 503, times=1)
panel.preview_button.click()
report("partial", panel)
'''

WRONG_PHRASE = r'''
ready(panel, 9, reason="a reason typed for the wrong phrase")
panel.confirm.confirm.value = panel.plan.confirmation_phrase.replace("CANCEL", "CANCLE")
disabled_by_phrase = panel.confirm.execute_button.disabled
hint = panel.confirm.hint.value
panel.confirm.execute_button.click()   # click() fires even on a disabled button
report("wrong_phrase", panel, disabled_by_phrase=disabled_by_phrase, hint=hint,
       cancels_sent=sum(r.name == "CancelAllOrders" for r in sim.requests))
'''

CLEARED = r'''
panel.preview_button.click()   # a new plan of the same scope
report("cleared", panel)
'''

SEND_503 = r'''
ready(panel, 11)
sim.faults.http_status_next("CancelAllOrders", 503)
panel.confirm.execute_button.click()
report("send_503", panel, result_shown=panel.result is not None,
       still_open=len(sim.open_order_ids(account_id=11)))
'''

SEND_429 = r'''
ready(panel, 18)
sim.faults.http_status_next("CancelAllOrders", 429)
panel.confirm.execute_button.click()
report("send_429", panel, result_shown=panel.result is not None)
'''

VERIFY_TIMEOUT = r'''
ready(panel, 19)
sim.faults.hang_next("GetOrdersHistory", 2.0, times=3)
panel.confirm.execute_button.click()
report("verify_timeout", panel, result_shown=panel.result is not None,
       open_after=len(sim.open_order_ids(account_id=19)))
'''

LOST_REPLY = r'''
ready(panel, 12)
sim.faults.hang_next("CancelAllOrders", 3.0)
panel.confirm.execute_button.click()
report("lost_reply", panel, open_after=len(sim.open_order_ids(account_id=12)),
       ack=None if panel.result is None else panel.result.summary.get("ack_status"))
'''

VERIFY_503 = r'''
ready(panel, 13)
sim.config.cancel_delay = 1.0
sim.faults.http_status_next("GetOrdersHistory", 503, times=2)
panel.confirm.execute_button.click()
sim.config.cancel_delay = 0.0
report("verify_503", panel, result_shown=panel.result is not None)
'''

READ_ONLY = r'''
viewer_panel = apx.CancelPanel(connect("viewer"), journal=JOURNAL)
viewer_panel.set_scope(9, apx.ALL)
viewer_panel.preview_button.click()
viewer_panel.confirm.execute_button.click()
report("read_only", viewer_panel, open_on_9=len(sim.open_order_ids(account_id=9)),
       orders_table=viewer_panel.orders_box.table.value.count("<tr"),
       inputs_disabled=viewer_panel.confirm.confirm.disabled and viewer_panel.confirm.reason.disabled)
'''

NOT_PERMITTED = r'''
trader_panel = apx.CancelPanel(connect("trader"), journal=JOURNAL)
trader_panel.set_scope(10, apx.ALL)   # a trader's own account: fine
try:
    trader_panel.set_scope(apx.ALL, apx.ALL)   # from code this raises; the banner says why
except apx.ScopeError:
    pass
report("not_permitted", trader_panel)
'''

PROGRESS = r'''
seen = []
class ProgressClient:
    """The real client; when its execute() has no progress hook yet, one that reports like the contract."""
    def __init__(self, inner):
        self._inner = inner
    def __getattr__(self, name):
        return getattr(self._inner, name)
    def execute(self, plan, *, progress=None, **kwargs):
        if accepts_progress(self._inner.execute):
            return self._inner.execute(plan, progress=progress, **kwargs)
        for poll, (done, left) in enumerate([(0, 2.0), (plan.count // 2, 1.0), (plan.count, 0.0)], start=1):
            progress({"canceled": done, "filled_before_cancel": 0, "pending": plan.count - done,
                      "still_open": 0, "terminal": done, "targets": plan.count, "seconds_left": left,
                      "poll": poll})
        return self._inner.execute(plan, **kwargs)

progress_panel = apx.CancelPanel(ProgressClient(ops), journal=JOURNAL, verify_timeout=10.0)
real_verification = progress_panel.progress.verification
def spy(status):
    real_verification(status)
    seen.append((progress_panel.progress.layout.display, progress_panel.progress.text))
progress_panel.progress.verification = spy
sim.config.cancel_delay = 1.0
ready(progress_panel, 14)
progress_panel.confirm.execute_button.click()
sim.config.cancel_delay = 0.0
report("progress", progress_panel, seen=seen, hidden_after=progress_panel.progress.layout.display,
       real_hook=accepts_progress(ops.execute))
'''

STILL_OPEN = r'''
import time
still_panel = apx.CancelPanel(ops, journal=JOURNAL, verify_timeout=0.5)
ready(still_panel, 15)
sim.config.cancel_delay = 2.0
still_panel.confirm.execute_button.click()
sim.config.cancel_delay = 0.0
report("still_open", still_panel, warnings=still_panel.warnings)
time.sleep(2.2)   # let the late cancels land, so the next execution does not see them as collateral
sim.run_pending()
'''

SUCCESS = r'''
ready(panel, 16, reason="runaway algo on 16")
panel.confirm.execute_button.click()
report("success", panel, open_after=len(sim.open_order_ids(account_id=16)),
       execution_id=panel.result.execution_id, record=panel.trace.html)
'''

CLOSED = r'''
closing = connect("ops")
closed_panel = apx.CancelPanel(closing, journal=JOURNAL)
closed_panel.set_scope(17, apx.ALL)
closing.close()
closed_panel.preview_button.click()
report("closed", closed_panel)
'''

#: (name, source) in execution order; ``display`` shows the panel (and its record) in its output.
CELLS: tuple[tuple[str, str], ...] = (
    ("setup", SETUP), ("display", DISPLAY), ("drift", DRIFT), ("preview_503", PREVIEW_503),
    ("preview_429", PREVIEW_429), ("preview_timeout", PREVIEW_TIMEOUT), ("partial", PARTIAL),
    ("wrong_phrase", WRONG_PHRASE), ("cleared", CLEARED), ("send_503", SEND_503), ("send_429", SEND_429),
    ("verify_timeout", VERIFY_TIMEOUT), ("lost_reply", LOST_REPLY),
    ("verify_503", VERIFY_503), ("read_only", READ_ONLY), ("not_permitted", NOT_PERMITTED),
    ("progress", PROGRESS), ("still_open", STILL_OPEN), ("success", SUCCESS), ("closed", CLOSED),
)
