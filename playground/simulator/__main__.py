"""Serve the simulator on its own: `python -m playground.simulator --port 8001`."""

import argparse

import uvicorn

from playground.simulator.app import AUTH_SCHEMES, application


def main() -> None:
    parser = argparse.ArgumentParser(description="The Nexconn API simulator.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--log-level", default="info")
    parser.add_argument(
        "--auth-scheme",
        choices=AUTH_SCHEMES,
        help="the Authorization form accepted: `Bearer <key>` or the bare key "
        "(default: SIMULATOR_AUTH_SCHEME, else NEXCONN_AUTH_SCHEME, else bearer)",
    )
    arguments = parser.parse_args()
    application.auth_scheme = arguments.auth_scheme
    uvicorn.run(
        application, host=arguments.host, port=arguments.port, log_level=arguments.log_level
    )


if __name__ == "__main__":
    main()
