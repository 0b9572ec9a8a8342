"""A person logs in with each role in a real browser and lands on that role's Italian home page."""

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("role", "path"),
    [("admin", "/admin"), ("operator", "/ticket/dashboard"), ("finance", "/ragioneria/"), ("referente", "/portale")],
)
def test_each_role_lands_on_its_home(make_user, browser_login, live_server, role, path):
    user = make_user(role)
    page = browser_login(user)
    assert page.url == live_server.url + path
    assert page.locator("html").get_attribute("lang") == "it"
    assert page.get_by_role("button", name="Esci").is_visible()
