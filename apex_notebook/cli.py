"""Command line: ``apex-notebook simulate`` (the standalone fake APEX OMS) and ``demo``.

``apex-notebook simulate --host 127.0.0.1 --port 8123 --seed 7`` serves the simulator over
HTTP until Ctrl-C (or SIGTERM) and prints the URL and the demo credentials.
``apex-notebook demo [--dir PATH] [--port N] [--no-browser]`` copies the tutorial notebooks to a
writable folder and starts JupyterLab on 127.0.0.1 with them, beside a running simulator.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

__all__ = ["build_parser", "main"]

_USERS = (
    ("ops", 1, "Operator (any account)"),
    ("trader", 2, "Trading on accounts 9, 10"),
    ("trader2", 3, "Trading on accounts 9, 11"),
    ("viewer", 4, "AccountReadOnly on account 9"),
    ("secure", 5, "Trading on account 12, 2FA code 123456"),
)


def _non_negative(text: str) -> float:
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
    return value


def _add_simulator_options(parser: argparse.ArgumentParser, default_port: int) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=default_port, help="TCP port (0 = any free port)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the generated orders")
    parser.add_argument("--accounts", type=int, default=40, help="number of accounts (>= 12)")
    parser.add_argument("--orders-per-account", type=int, default=75, help="open orders per account")
    parser.add_argument("--latency", type=_non_negative, default=0.0, help="seconds added to every reply")
    parser.add_argument("--instrument-key", default="both",
                        choices=("both", "InstrumentId", "IntrumentId", "none"),
                        help="CancelAllOrders instrument-key spelling the gateway honours")
    parser.add_argument("--trading-all-accounts", default="refuse", choices=("refuse", "associated"),
                        help="what a Trading user's CancelAllOrders with AccountId 0 does")
    parser.add_argument("--cancel-delay", type=_non_negative, default=0.0,
                        help="seconds over which CancelAllOrders cancels land")
    parser.add_argument("--fill-race", type=_non_negative, default=0.0,
                        help="fraction of targeted orders that fill before their cancel (0..1)")


def build_parser() -> argparse.ArgumentParser:
    """The ``apex-notebook`` argument parser."""
    parser = argparse.ArgumentParser(prog="apex-notebook", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    simulate = commands.add_parser("simulate", help="run the standalone APEX OMS simulator")
    _add_simulator_options(simulate, 8123)
    demo = commands.add_parser("demo", help="JupyterLab on the tutorial notebooks, against the simulator")
    demo.add_argument("--dir", type=Path, default=Path("apex-demo"),
                      help="writable folder for the tutorial copies (default ./apex-demo)")
    demo.add_argument("--port", type=int, default=8888, help="JupyterLab port (default 8888)")
    demo.add_argument("--no-browser", action="store_true", help="do not open a web browser")
    demo.add_argument("--simulator-port", type=int, default=8123,
                      help="port of the standalone simulator the tutorials may connect to (0 = any free port)")
    return parser


def _banner(url: str, args: argparse.Namespace, orders: int) -> str:
    lines = [
        f"APEX OMS simulator listening on {url}  (HTTP gateway: {url}/AP/<Name>)",
        f"WebSocket gateway: {url.replace('http', 'ws', 1)}/WSGateway/",
        f"seed {args.seed}, {args.accounts} accounts, {orders} orders; instrument_key={args.instrument_key}, "
        f"trading_all_accounts={args.trading_all_accounts}, cancel_delay={args.cancel_delay}s, "
        f"fill_race={args.fill_race}, latency={args.latency}s",
        "Demo users (password 'demo', API key '<user>-key', secret '<user>-secret'):",
        *(f"  {name:<8} UserId {user_id}  {role}" for name, user_id, role in _USERS),
        f"Try: curl -u trader:demo '{url}/AP/Authenticate?grant_type=client_credentials'",
        "Press Ctrl-C to stop.",
    ]
    return "\n".join(lines)


def _simulate(args: argparse.Namespace) -> int:
    from apex_notebook.simulator import FakeOMS, SimConfig  # deferred: uvicorn loads only for this command

    try:
        config = SimConfig(instrument_key=args.instrument_key, trading_all_accounts=args.trading_all_accounts,
                           cancel_delay=args.cancel_delay, fill_race=args.fill_race, latency=args.latency)
        sim = FakeOMS.seeded(args.seed, accounts=args.accounts, orders_per_account=args.orders_per_account,
                             config=config)
    except (ValueError, TypeError) as error:
        print(f"apex-notebook: {error}", file=sys.stderr)
        return 2
    stop = threading.Event()

    def on_term(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        with sim.serve(args.host, args.port) as server:
            print(_banner(server.url, args, len(sim.open_order_ids())), flush=True)
            try:
                while not stop.wait(0.5):
                    pass
            except KeyboardInterrupt:
                pass
            print("Stopping the simulator...", flush=True)
    except (OSError, RuntimeError) as error:
        print(f"apex-notebook: cannot serve on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)
    print("Stopped.", flush=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "simulate":
        return _simulate(args)
    if args.command == "demo":
        from apex_notebook.demo import run_demo  # deferred: the demo's JupyterLab machinery

        return run_demo(args.dir.resolve(), args.port, args.simulator_port, open_browser=not args.no_browser)
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
