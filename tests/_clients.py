"""boto3 clients pointed at a test server."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

NO_RETRY = Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=30)
RAW = Config(retries={"max_attempts": 1, "mode": "standard"}, parameter_validation=False, read_timeout=30)


def client(service: str, url: str, *, account: str = "000000000000", region: str = "us-east-1",
           secret: str = "test", raw: bool = False, **kwargs: Any) -> Any:
    """A client; ``account`` is used as the access key id (dev mode maps 12 digits to the account)."""
    return boto3.session.Session().client(
        service,
        endpoint_url=url,
        region_name=region,
        aws_access_key_id=account,
        aws_secret_access_key=secret,
        config=RAW if raw else NO_RETRY,
        **kwargs,
    )


class _SearchPaths(list):  # type: ignore[type-arg]
    """boto3 appends its data folder to the loader's search paths in every new session;
    with one shared loader that list would grow by one entry per client."""

    def append(self, path: Any) -> None:
        if path not in self:
            super().append(path)


def share_service_models() -> None:
    """Let every botocore session of the test process use one model loader.

    A fresh session parses its service's JSON model again: about 80 ms of CPU per client
    (lambda, iam), against about 10 ms with the parsed models shared. The tests make
    thousands of clients, so this was a large share of the whole suite's CPU. The server
    processes the tests start are not affected."""
    import botocore.loaders
    import botocore.session

    if getattr(botocore.session.Session, "_eventyard_shared_loader", None) is not None:
        return
    shared = botocore.loaders.create_loader()
    shared._search_paths = _SearchPaths(shared.search_paths)

    def register_data_loader(session: Any) -> None:
        def loader() -> Any:
            path = session.get_config_variable("data_path")
            return botocore.loaders.create_loader(path) if path else shared  # AWS_DATA_PATH: its own

        session._components.lazy_register_component("data_loader", loader)

    botocore.session.Session._eventyard_shared_loader = shared  # type: ignore[attr-defined]
    botocore.session.Session._register_data_loader = register_data_loader  # type: ignore[method-assign]
