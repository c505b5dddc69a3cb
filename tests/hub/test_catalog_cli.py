"""`synapt catalog list|show`: from the Hub (models tagged synapt) when reachable, else the local catalog."""

from __future__ import annotations

from synapt_hf.cli import main
from synapt_hf.hub.catalog import load_catalog
from synapt_hf.hub.hub_listing import list_hub_entries
from synapt_hf.hub.publish import publish_catalog
from synapt_hf.hub.retry import RetryPolicy


def test_list_and_show_from_local_catalog(catalog_file, capsys):
    assert (
        main(["catalog", "list", "--source", "local", "--catalog", str(catalog_file), "--sort", "ucf101"])
        == 0
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["repo", "id", "arch"] and "UCF101" in lines[0] and "Diving48" in lines[0]
    assert lines[2].startswith("synapt-test/timesformer-tiny") and "90.0" in lines[2]
    assert lines[3].startswith("synapt-test/videomae-tiny") and "75.0" in lines[3] and "23.4" in lines[3]

    assert (
        main(
            ["catalog", "list", "--source", "local", "--catalog", str(catalog_file), "--arch", "timesformer"]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "timesformer-tiny" in out and "videomae-tiny" not in out

    assert (
        main(["catalog", "show", "videomae-tiny", "--source", "local", "--catalog", str(catalog_file)]) == 0
    )
    out = capsys.readouterr().out
    assert "mae-then-supervised" in out and "UCF101" in out and "75.00" in out
    assert 'AutoModelForVideoClassification.from_pretrained("synapt-test/videomae-tiny")' in out

    assert main(["catalog", "show", "nope/none", "--source", "local", "--catalog", str(catalog_file)]) == 2
    assert "no catalog entry 'nope/none'" in capsys.readouterr().err


def test_auto_source_falls_back_to_local_when_offline(catalog_file, capsys, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert main(["catalog", "list", "--catalog", str(catalog_file)]) == 0
    captured = capsys.readouterr()
    assert "showing the local catalog" in captured.err and "synapt-test/videomae-tiny" in captured.out


def test_list_from_hub_reads_published_cards(fake_hub, catalog_file, capsys):
    catalog = load_catalog(catalog_file)
    publish_catalog(
        catalog, endpoint=fake_hub.url, retry=RetryPolicy(attempts=2, base_delay=0.01), collection=False
    )
    entries = {entry.repo_id: entry for entry in list_hub_entries(endpoint=fake_hub.url)}
    assert set(entries) == {"synapt-test/videomae-tiny", "synapt-test/timesformer-tiny"}
    for local in catalog.models:  # the Hub view equals the catalog (results round-trip through the cards)
        remote = entries[local.repo_id]
        assert (remote.architecture, remote.mode, remote.pretrain.key) == (
            local.architecture,
            local.mode,
            local.pretrain.key,
        )
        assert [(r.dataset, r.protocol, round(r.top1, 4)) for r in remote.results] == [
            (r.dataset, r.protocol, round(r.top1, 4)) for r in local.results
        ]

    assert (
        main(["catalog", "list", "--sort", "ucf101"]) == 0
    )  # auto: the fake Hub is reachable via HF_ENDPOINT
    out = capsys.readouterr().out
    assert out.splitlines()[2].startswith("synapt-test/timesformer-tiny")
    assert main(["catalog", "show", "synapt-test/videomae-tiny", "--source", "hub"]) == 0
    assert "75.00" in capsys.readouterr().out


def test_auto_source_uses_local_catalog_when_hub_has_no_synapt_models(fake_hub, catalog_file, capsys):
    assert main(["catalog", "list", "--catalog", str(catalog_file)]) == 0
    captured = capsys.readouterr()
    assert (
        "no models tagged 'synapt' on the Hub yet" in captured.err
        and "synapt-test/videomae-tiny" in captured.out
    )
