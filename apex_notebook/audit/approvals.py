"""The two-person release in the journal (DESIGN §7): the desk's policy and approval requests.

``Journal`` inherits :class:`JournalApprovals`; every write is one chained, append-only row through the
journal's writer, like the rest of the journal (tables ``policies`` and ``approvals``, schema 3):

* ``journal.set_policy(ApprovalPolicy(...), by=...)`` appends the desk's policy; ``journal.policy()``
  reads the newest one (an empty policy -- nothing needs approval -- when none was set);
  ``journal.policies()`` lists every change (who relaxed it, when, why);
* ``journal.submit(plan, reason=...)`` records a pending request with the frozen plan: plan id,
  fingerprint, scope (words and payload), gateway, counts, notional per currency, the policy's reasons
  and the preview's orders (the journal's snapshot encoding, ``codec.py``); returns the ``request_id``;
* ``journal.approve(request_id, by=..., reason=...)`` / ``journal.reject(...)`` decide a pending request
  once. The submitter cannot decide their own request: that attempt is refused with ``ApprovalError``
  and kept in ``refusals`` (kind ``self_approval``);
* ``journal.requests(state=None)`` lists them; ``journal.request_orders(request_id)`` gives the frozen
  orders back.

``by`` is a user name or a logged-in client (its ``username``, as the gateway reported it at login).
Who may execute an approved plan is decided by ``cancel/approval_gate.py`` through
:meth:`JournalApprovals.approvals_for`; an approval releases one execution of its fingerprint and scope.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Final, Protocol

import pandas as pd

from apex_notebook.audit.backend import Backend
from apex_notebook.audit.chain import ChainWriter
from apex_notebook.audit.codec import decode_frame, encode_frame, plain
from apex_notebook.audit.records import now
from apex_notebook.audit.refusals import refusal_row
from apex_notebook.cancel.approval_gate import scope_key
from apex_notebook.cancel.approval_policy import ApprovalPolicy, ApprovalRecord
from apex_notebook.cancel.plan import CancelPlan
from apex_notebook.wire.errors import ApprovalError
from apex_notebook.wire.settings import safe_url

__all__ = ["REQUEST_COLUMNS", "JournalApprovals"]

#: The columns of :meth:`JournalApprovals.requests`, in order.
REQUEST_COLUMNS: Final = ("request_id", "state", "submitted_at", "submitted_by", "submit_reason", "decided_at",
                          "decided_by", "decision_reason", "spent", "scope_text", "orders", "accounts", "notional",
                          "needs", "plan_id", "fingerprint", "base_url", "oms_id")
_STATES: Final = ("pending", "approved", "rejected")
_FIELDS: Final = ("request_id", "action", "at", "by_user", "reason", "base_url", "oms_id", "scope_text",
                  "payload_json", "plan_id", "fingerprint", "n_orders", "n_accounts", "notional_json", "needs_json")


class _User(Protocol):
    username: str


def _who(by: str | _User, what: str) -> str:
    name = by if isinstance(by, str) else getattr(by, "username", "")
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{what} needs the user's name (by='ops2') or a logged-in client (by=client), not {by!r}")
    return name.strip()


def _reason(reason: object, what: str) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise ValueError(f"{what} needs a reason (it is journalled for the post-mortem); nothing was written")
    return reason.strip()


class JournalApprovals:
    """Policy and approval requests of a journal (module docstring); mixed into ``Journal``."""

    _backend: Backend
    path: str

    @contextmanager
    def _write(self) -> Iterator[ChainWriter]:  # pragma: no cover - Journal._write replaces it
        raise NotImplementedError
        yield

    # -- policy ----------------------------------------------------------------------------------
    def set_policy(self, policy: ApprovalPolicy, *, by: str | _User, reason: str | None = None) -> None:
        """Append ``policy`` as the desk's policy from now on (``by``: who set it; ``reason``: why)."""
        if not isinstance(policy, ApprovalPolicy):
            raise TypeError(f"set_policy needs an ApprovalPolicy, not {type(policy).__name__}")
        row = {"policy_json": policy.to_json(), "set_by": _who(by, "set_policy"), "reason": reason,
               "recorded_at": now()}
        with self._write() as w:
            w.append("policies", row)

    def policy(self) -> ApprovalPolicy:
        """The newest policy (an empty one, needing no approval, when none was ever set)."""
        _, rows = self._backend.read("SELECT policy_json FROM policies ORDER BY seq DESC LIMIT 1")
        return ApprovalPolicy.from_json(str(rows[0][0])) if rows else ApprovalPolicy()

    def policies(self) -> pd.DataFrame:
        """Every policy ever set, oldest first: ``recorded_at``, ``set_by``, ``reason``, ``policy`` (in words)."""
        names, rows = self._backend.read("SELECT recorded_at, set_by, reason, policy_json FROM policies ORDER BY seq")
        frame = pd.DataFrame.from_records(rows, columns=names)
        frame["recorded_at"] = pd.to_datetime(frame["recorded_at"], utc=True, format="ISO8601")
        frame["policy"] = [ApprovalPolicy.from_json(str(text)).describe() for text in frame.pop("policy_json")]
        return frame

    # -- requests --------------------------------------------------------------------------------
    def submit(self, plan: CancelPlan, *, reason: str, by: str | _User | None = None) -> str:
        """Record a pending approval request for ``plan`` (frozen as previewed); returns its ``request_id``."""
        if not isinstance(plan, CancelPlan):
            raise TypeError(f"submit needs a CancelPlan from preview(), not {type(plan).__name__}")
        if not plan.executable or plan.executed:
            why = plan.refusal if not plan.executable else "it was already executed"
            raise ApprovalError(f"plan {plan.plan_id} cannot be submitted for approval: {why}; nothing was written")
        who = _who(by if by is not None else plan.username, "submit")
        notional = {str(k): plain(v) for k, v in plan.notional_by_currency.items()}
        row = {"request_id": uuid.uuid4().hex[:12], "action": "submitted", "at": now(), "by_user": who,
               "reason": _reason(reason, "submit"), "base_url": safe_url(plan.base_url), "oms_id": plan.scope.oms_id,
               "scope_text": plan.describe(), "payload_json": scope_key(plan), "plan_id": plan.plan_id,
               "fingerprint": plan.fingerprint, "n_orders": plan.count, "n_accounts": len(plan.by_account),
               "notional_json": json.dumps(notional, sort_keys=True),
               "needs_json": json.dumps(self.policy().reasons(plan)), "preview": encode_frame(plan.orders)}
        with self._write() as w:
            w.append("approvals", {**row, "recorded_at": now()})
        return str(row["request_id"])

    def approve(self, request_id: str, *, by: str | _User, reason: str) -> None:
        """Approve a pending request as ``by`` (not its submitter); ``ApprovalError`` otherwise."""
        self._decide(request_id, "approved", by=_who(by, "approve"), reason=_reason(reason, "approve"))

    def reject(self, request_id: str, *, by: str | _User, reason: str) -> None:
        """Reject a pending request as ``by`` (not its submitter); ``ApprovalError`` otherwise."""
        self._decide(request_id, "rejected", by=_who(by, "reject"), reason=_reason(reason, "reject"))

    def _decide(self, request_id: str, action: str, *, by: str, reason: str) -> None:
        """One decision, checked and written in one transaction (two approvers racing: one wins)."""
        verb = action[:-1] if action.endswith("ed") else action
        with self._write() as w:
            found = w.query(f"SELECT {', '.join(_FIELDS)} FROM approvals WHERE request_id = ? ORDER BY seq",
                            [request_id])
            if not found:
                raise KeyError(f"no approval request {request_id!r} in {self.path} (see journal.requests())")
            first, last = (dict(zip(_FIELDS, r, strict=True)) for r in (found[0], found[-1]))
            problem = None
            if last["action"] != "submitted":
                problem = (f"request {request_id} was already {last['action']} by {last['by_user']} at {last['at']}; "
                           "a request is decided once -- submit the plan again for a new decision")
            elif by == first["by_user"]:
                problem = (f"{by} submitted request {request_id} and cannot {verb} it: the two-person rule needs "
                           "another APEX user to decide it. Nothing was approved")
            if problem is not None:
                w.append("refusals", refusal_row({
                    "kind": "self_approval" if last["action"] == "submitted" else "already_decided",
                    "message": problem, "username": by, "base_url": first["base_url"], "oms_id": first["oms_id"],
                    "scope_text": first["scope_text"], "plan_id": first["plan_id"],
                    "fingerprint": first["fingerprint"]}, now=now()))
            else:
                w.append("approvals", {**{k: first[k] for k in _FIELDS}, "action": action, "at": now(), "by_user": by,
                                       "reason": reason, "recorded_at": now()})
        if problem is not None:
            raise ApprovalError(problem, request_id=request_id)

    # -- readers ---------------------------------------------------------------------------------
    def _rows(self, where: str = "", params: list[Any] | None = None) -> list[dict[str, Any]]:
        names, rows = self._backend.read(f"SELECT seq, {', '.join(_FIELDS)} FROM approvals {where} ORDER BY seq",
                                         params or [])
        return [dict(zip(names, r, strict=True)) for r in rows]

    def _spent_after(self, fingerprint: str, payload: str, base_url: str) -> int | None:
        """The ``seq`` of the newest execution intent of this binding (None: never executed)."""
        _, rows = self._backend.read("SELECT MAX(seq) FROM executions WHERE fingerprint = ? AND payload_json = ? "
                                     "AND base_url = ?", [fingerprint, payload, base_url])
        return int(rows[0][0]) if rows and rows[0][0] is not None else None

    def _grouped(self, rows: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """``(submitted row, latest row)`` per request, in submission order."""
        by_id: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            by_id.setdefault(str(row["request_id"]), []).append(row)
        return [(steps[0], steps[-1]) for steps in by_id.values()]

    def _check_unspent(self, w: ChainWriter, request_id: str, intent: Mapping[str, Any]) -> None:
        """Refuse an intent whose approval is not (or no longer) an unused approval of this very binding."""
        found = w.query("SELECT seq, action, fingerprint, payload_json, base_url FROM approvals WHERE request_id = ? "
                        "ORDER BY seq DESC LIMIT 1", [request_id])
        binding = (intent.get("fingerprint"), intent.get("payload_json"), intent.get("base_url"))
        if not found or found[0][1] != "approved" or tuple(found[0][2:]) != binding:
            raise ApprovalError(f"approval request {request_id} does not approve this plan (any more); nothing was "
                                "sent. Submit it for approval again", request_id=request_id)
        used = w.query("SELECT MAX(seq) FROM executions WHERE fingerprint = ? AND payload_json = ? AND base_url = ?",
                       list(binding))
        if used and used[0][0] is not None and int(used[0][0]) > int(found[0][0]):
            raise ApprovalError(f"approval request {request_id} was used by another execution a moment ago (one "
                                "approval releases one execution); nothing was sent. Preview again and ask for a new "
                                "approval", request_id=request_id)

    def approvals_for(self, fingerprint: str, scope: str, base_url: str) -> list[ApprovalRecord]:
        """Every request bound to this fingerprint, scope payload and gateway, oldest first (the gate's view)."""
        url = safe_url(base_url)
        rows = self._rows("WHERE fingerprint = ? AND payload_json = ? AND base_url = ?", [fingerprint, scope, url])
        executed = self._spent_after(fingerprint, scope, url)
        return [ApprovalRecord(str(first["request_id"]), _state(last), str(first["by_user"]),
                               None if last is first else str(last["by_user"]),
                               None if last is first else str(last["reason"]),
                               spent=last["action"] == "approved" and executed is not None and executed > last["seq"])
                for first, last in self._grouped(rows)]

    def requests(self, state: str | None = None) -> pd.DataFrame:
        """One row per approval request (:data:`REQUEST_COLUMNS`), oldest first; ``state``: only those."""
        if state is not None and state not in _STATES:
            raise ValueError(f"state must be one of {_STATES} or None, not {state!r}")
        records = []
        for first, last in self._grouped(self._rows()):
            decided = last is not first
            spent_at = self._spent_after(first["fingerprint"], first["payload_json"], first["base_url"])
            records.append({
                "request_id": first["request_id"], "state": _state(last), "submitted_at": first["at"],
                "submitted_by": first["by_user"], "submit_reason": first["reason"],
                "decided_at": last["at"] if decided else None, "decided_by": last["by_user"] if decided else None,
                "decision_reason": last["reason"] if decided else None,
                "spent": last["action"] == "approved" and spent_at is not None and spent_at > last["seq"],
                "scope_text": first["scope_text"], "orders": first["n_orders"], "accounts": first["n_accounts"],
                "notional": json.loads(first["notional_json"] or "{}"),
                "needs": json.loads(first["needs_json"] or "[]"),
                "plan_id": first["plan_id"], "fingerprint": first["fingerprint"], "base_url": first["base_url"],
                "oms_id": first["oms_id"]})
        frame = pd.DataFrame.from_records(records, columns=list(REQUEST_COLUMNS))
        for column in ("submitted_at", "decided_at"):
            frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
        for column in ("orders", "accounts", "oms_id"):
            frame[column] = frame[column].astype("Int64")
        frame["spent"] = frame["spent"].astype("boolean")
        if state is not None:
            frame = frame[frame["state"] == state].reset_index(drop=True)
        return frame

    def request_orders(self, request_id: str) -> pd.DataFrame:
        """The orders of a request's plan, frozen at submission (typed like a journal snapshot)."""
        _, rows = self._backend.read("SELECT preview, at FROM approvals WHERE request_id = ? AND action = 'submitted'",
                                     [request_id])
        if not rows:
            raise KeyError(f"no approval request {request_id!r} in {self.path} (see journal.requests())")
        frame = decode_frame(rows[0][0])
        frame.attrs["taken_at"] = rows[0][1]
        return frame


def _state(last: dict[str, Any]) -> str:
    return "pending" if last["action"] == "submitted" else str(last["action"])
