def test_home_page_shows_the_ward(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Trang chủ" in response.get_data(as_text=True) or "Home" in response.get_data(as_text=True)
