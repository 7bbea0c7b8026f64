"""Serve the simulator on its own: `python -m playground.simulator --port 8001`."""

import argparse

import uvicorn

from playground.simulator.app import application


def main() -> None:
    parser = argparse.ArgumentParser(description="The Nexconn API simulator.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--log-level", default="info")
    arguments = parser.parse_args()
    uvicorn.run(
        application, host=arguments.host, port=arguments.port, log_level=arguments.log_level
    )


if __name__ == "__main__":
    main()
