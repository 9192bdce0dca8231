"""The pytest fixtures of pytest-samsa (registered through the pytest11 entry point, or
with `-p pytest_samsa.plugin`):

    def test_orders(samsa_broker):
        producer = Producer({"bootstrap.servers": samsa_broker.bootstrap_servers})

    def test_two(samsa_broker_factory):
        a = samsa_broker_factory(overrides={"num.partitions": "3"})

`samsa_broker` is one broker per test by default (a few milliseconds each); the ini
option `samsa_scope = session` (or module, class, package) shares one instead.
"""

import pytest

from . import start


def pytest_addoption(parser):
    parser.addini("samsa_scope", "scope of the samsa_broker fixture (default: function)",
                  default="function")


def _scope(fixture_name, config):
    return config.getini("samsa_scope") or "function"


@pytest.fixture(scope=_scope)
def samsa_broker():
    broker = start()
    yield broker
    code = broker.stop()
    assert code == 0, f"samsa exited with {code}"


@pytest.fixture
def samsa_broker_factory():
    brokers = []

    def factory(**kwargs):
        broker = start(**kwargs)
        brokers.append(broker)
        return broker

    yield factory
    for broker in brokers:
        broker.stop()
