"""Reading a scrape: the Prometheus text format parsed into ``{(name, labels): value}``."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sample's value; 0 for one not (yet) present, as Prometheus reads a counter."""
    return samples.get((name, frozenset(labels.items())), 0.0)
