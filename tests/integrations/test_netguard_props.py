"""The webhook URL parser takes outside input: it answers UnsafeUrl or a sane target, never crashes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.netguard import UnsafeUrl, check_url, parse_url

PUBLIC = ["93.184.216.34"]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_parsed_or_refused(text):
    try:
        scheme, host, port, path = parse_url(text)
    except UnsafeUrl:
        return
    assert scheme in ("http", "https") and host and 0 < port < 65536 and path.startswith("/")


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["http", "https", "HTTP", "ftp", "javascript", ""]),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789.-[]:@%", min_size=0, max_size=40),
    st.text(max_size=40),
)
def test_built_urls_are_parsed_or_refused(scheme, host, rest):
    url = f"{scheme}://{host}/{rest}"
    try:
        target = check_url(url, resolve=lambda h, p: PUBLIC)
    except UnsafeUrl:
        return
    assert target.scheme in ("http", "https") and target.addresses
