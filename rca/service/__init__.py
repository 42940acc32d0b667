"""The online scoring service: ``create_app(config)`` -> ASGI app; SQLite store; scorer."""

from rca.service.app import create_app
from rca.service.config import ServiceConfig

__all__ = ["create_app", "ServiceConfig"]
