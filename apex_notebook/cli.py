"""Command line: ``apex-notebook simulate`` (the standalone fake APEX OMS), ``demo`` and ``--version``.

``apex-notebook simulate --host 127.0.0.1 --port 8123 --seed 7`` serves the simulator over
HTTP until Ctrl-C (or SIGTERM) and prints the URL and the demo credentials.
``apex-notebook demo [--dir PATH] [--port N] [--simulator-port N] [--no-browser]`` copies the
tutorial notebooks to a writable folder and starts JupyterLab on 127.0.0.1 with them, beside a
running simulator. The help text is written for a terminal: plain words, defaults shown.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import signal
import socket
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from apex_notebook.journal_cli import add_journal_commands

__all__ = ["DESCRIPTION", "build_parser", "main", "version"]

#: What ``apex-notebook --help`` says first (plain text: no reST markup in a terminal).
DESCRIPTION = ("Preview, execute and audit AlphaPoint APEX CancelAllOrders safely from Jupyter. "
               "Commands: 'simulate' runs the offline APEX OMS simulator; 'demo' opens JupyterLab on the "
               "tutorial notebooks beside a running simulator; 'journal' reads, verifies, reconciles, reports on "
               "and exports a journal.")
_FORMATTER = argparse.ArgumentDefaultsHelpFormatter


def version() -> str:
    """The installed version of apex-notebook."""
    try:
        return importlib.metadata.version("apex-notebook")
    except importlib.metadata.PackageNotFoundError:
        from apex_notebook import __version__  # deferred: a source checkout without install metadata

        return __version__


def _port_taken(host: str, port: int) -> bool:
    if port == 0:
        return False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def _non_negative(text: str) -> float:
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
    return value


def _add_simulator_options(parser: argparse.ArgumentParser, default_port: int) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on")
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
    parser.add_argument("--history-time-field", default="LastUpdatedTime", choices=("LastUpdatedTime", "ReceiveTime"),
                        help="which time GetOrdersHistory's StartTimestamp/EndTimestamp select on")
    parser.add_argument("--history-all-accounts", default="operator", choices=("operator", "refuse"),
                        help="whether an Operator may read GetOrdersHistory of every account at once")
    parser.add_argument("--unknown-call", default="error106", choices=("error106", "m1", "error100", "http404"),
                        help="what an unknown call gets back (the real gateway's answer is undocumented)")
    parser.add_argument("--web-auth-user-id", default="int", choices=("int", "string"),
                        help="type of UserId in the WebAuthenticateUser reply (the sources disagree)")
    parser.add_argument("--certfile", default=None, help="PEM certificate: serve https:// and wss:// (TLS)")
    parser.add_argument("--keyfile", default=None, help="PEM private key for --certfile")


def build_parser() -> argparse.ArgumentParser:
    """The ``apex-notebook`` argument parser."""
    parser = argparse.ArgumentParser(prog="apex-notebook", description=DESCRIPTION, formatter_class=_FORMATTER)
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    simulate = commands.add_parser("simulate", help="run the standalone APEX OMS simulator",
                                   description="Serve the offline APEX OMS simulator over HTTP and WebSocket "
                                               "until Ctrl-C.", formatter_class=_FORMATTER)
    _add_simulator_options(simulate, 8123)
    demo = commands.add_parser("demo", help="JupyterLab on the tutorial notebooks, against the simulator",
                               description="Copy the tutorial notebooks to a writable folder and open them in "
                                           "JupyterLab on 127.0.0.1, beside a running simulator. Ctrl-C stops "
                                           "everything.", formatter_class=_FORMATTER)
    demo.add_argument("--dir", type=Path, default=Path("apex-demo"),
                      help="writable folder for the tutorial copies")
    demo.add_argument("--port", type=int, default=8888, help="JupyterLab port")
    demo.add_argument("--no-browser", action="store_true", help="do not open a web browser")
    demo.add_argument("--simulator-port", type=int, default=8123,
                      help="port of the standalone simulator the tutorials may connect to (0 = any free port)")
    add_journal_commands(commands)  # apex-notebook journal list|show|report|verify|reconcile|export (journal_cli.py)
    return parser


def _banner(url: str, args: argparse.Namespace, orders: int, users: list[str]) -> str:
    lines = [
        f"APEX OMS simulator listening on {url}  (HTTP gateway: {url}/AP/<Name>)",
        f"WebSocket gateway: {url.replace('http', 'ws', 1)}/WSGateway/",
        f"seed {args.seed}, {args.accounts} accounts, {orders} orders; instrument_key={args.instrument_key}, "
        f"trading_all_accounts={args.trading_all_accounts}, cancel_delay={args.cancel_delay}s, "
        f"fill_race={args.fill_race}, latency={args.latency}s",
        "Demo users (password 'demo', API key '<user>-key', secret '<user>-secret'):",
        *users,
        f"Try: curl -u trader:demo '{url}/AP/Authenticate?grant_type=client_credentials'",
        "Press Ctrl-C to stop.",
    ]
    return "\n".join(lines)


def _simulate(args: argparse.Namespace) -> int:
    from apex_notebook.demo import user_lines  # deferred: the demo machinery loads only when needed
    from apex_notebook.simulator import FakeOMS, SimConfig  # deferred: uvicorn loads only for this command

    if _port_taken(args.host, args.port):
        print(f"apex-notebook simulate: port {args.port} on {args.host} is taken (another simulator or demo?); "
              "choose another with --port N (0 = any free port)", file=sys.stderr)
        return 1

    try:
        config = SimConfig(instrument_key=args.instrument_key, trading_all_accounts=args.trading_all_accounts,
                           cancel_delay=args.cancel_delay, fill_race=args.fill_race, latency=args.latency,
                           history_time_field=args.history_time_field,
                           history_all_accounts=args.history_all_accounts, unknown_call=args.unknown_call,
                           web_auth_user_id=args.web_auth_user_id)
        if args.keyfile and not args.certfile:
            raise ValueError("--keyfile needs --certfile (the certificate it belongs to)")
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
        with sim.serve(args.host, args.port, certfile=args.certfile, keyfile=args.keyfile) as server:
            users = user_lines(sim.catalog.users.values())
            print(_banner(server.url, args, len(sim.open_order_ids()), users), flush=True)
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
    if args.command == "journal":
        from apex_notebook.journal_verbs import run_journal  # deferred: the journal's readers load only when needed

        return run_journal(args)
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
