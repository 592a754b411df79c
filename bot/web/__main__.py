"""python -m bot.web: serve the web app."""

from aiohttp import web

from bot.settings import Settings
from bot.web.app import create_app

if __name__ == "__main__":
    settings = Settings()
    web.run_app(create_app(settings), host=settings.web_host, port=settings.web_port)
