"""Browser tests: registers the ``e2e`` marker."""


def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: starts `streamlit run` and drives Chromium with Playwright (slow)")
