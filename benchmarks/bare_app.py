"""The yardstick: a bare Flask app returning a small fixed HTML page, served
under the same gunicorn settings as the site."""

from flask import Flask

PAGE = (
    "<!doctype html><html lang=vi><head><meta charset=utf-8><title>Bare</title></head>"
    "<body><h1>Phường Hòa Phong</h1><p>Trang tĩnh để so sánh.</p></body></html>"
)

app = Flask(__name__)


@app.get("/")
def index():
    return PAGE
