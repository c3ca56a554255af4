"""Static files under content-hashed URLs, cached long, sent compressed; HTML
compressed for clients that accept it."""

import gzip
import re


def static_links(page: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', page)


def test_every_static_link_carries_the_file_hash(client):
    links = static_links(client.get("/").get_data(as_text=True))
    assert any("pico.min.css" in link for link in links)
    for link in links:
        assert re.search(r"\?v=[0-9a-f]{12}$", link), link


def test_static_files_are_cached_for_a_year_and_sent_compressed(client):
    link = next(link for link in static_links(client.get("/").get_data(as_text=True)) if "pico" in link)
    response = client.get(link, headers={"Accept-Encoding": "gzip"})
    body = response.get_data()
    response.close()
    assert response.status_code == 200
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert "immutable" in response.headers["Cache-Control"]
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body).startswith(b"@charset") or b"--pico" in gzip.decompress(body)
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_html_is_compressed_when_the_browser_accepts_it(client):
    response = client.get("/dang-nhap", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Cán bộ đăng nhập" in gzip.decompress(response.get_data()).decode()
    plain = client.get("/dang-nhap")
    assert "Content-Encoding" not in plain.headers
