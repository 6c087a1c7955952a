"""The service worker's version follows the files it precaches, so a change installs a new worker."""
import shutil
from pathlib import Path

from webapp.pwa.shell import SHELL_STATIC, build_manifest, build_service_worker

STATIC = Path(__file__).resolve().parent.parent.parent / "static"


def copy_static(tmp_path):
    target = tmp_path / "static"
    shutil.copytree(STATIC, target, ignore=shutil.ignore_patterns("vendor"))
    return target


def version_of(source: str) -> str:
    return source.split('"')[1]


def test_version_is_stable_for_the_same_files(tmp_path):
    static = copy_static(tmp_path)
    assert build_service_worker(static) == build_service_worker(static)


def test_changing_a_precached_file_changes_the_version(tmp_path):
    static = copy_static(tmp_path)
    before = version_of(build_service_worker(static))
    for name in (SHELL_STATIC[0], "sw.js"):
        with (static / name).open("a") as fh:
            fh.write("\n/* changed */\n")
        after = version_of(build_service_worker(static))
        assert after != before
        before = after


def test_manifest_lists_any_and_maskable_icons():
    manifest = build_manifest(lang="ja", description="d", shortcuts=[])
    purposes = {icon["purpose"] for icon in manifest["icons"]}
    assert purposes == {"any", "maskable"} and manifest["lang"] == "ja"
