"""Browser tests share one server and one Chromium per test process; under pytest-xdist's
``--dist loadgroup`` the ``xdist_group("browser")`` mark keeps them all on one worker."""


def pytest_configure(config):
    # registered here too, so --strict-markers accepts the mark when pytest-xdist is absent
    config.addinivalue_line("markers", "xdist_group(name): run these tests on one xdist worker")
