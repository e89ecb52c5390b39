"""The load benchmark's code, checked in the normal suite without gunicorn or locust (tests/benchmarks/test_load.py)."""

import ast
import os

import pytest
from django.db import connection
from django.test import override_settings
from django.urls import Resolver404, resolve, reverse

from tests.benchmarks import load_helpers as load

STATS_CSV = """Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,\
Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%
POST,create,1200,0,41,45.3,12,310,1520.0,60.1,0.0,41,48,52,55,63,70,90,120,300,310,310
,Aggregated,1200,0,41,45.3,12,310,1520.0,60.1,0.0,41,48,52,55,63,70,90,120,300,310,310
"""

PGBENCH_OUTPUT = """transaction type: insert.sql
scaling factor: 1
query mode: simple
number of clients: 2
number of threads: 2
duration: 10 s
number of transactions actually processed: 31234
latency average = 0.640 ms
initial connection time = 4.512 ms
tps = 3123.456789 (without initial connection time)
"""


@override_settings(ROOT_URLCONF=load.BENCH_SETTINGS.rsplit(".", 1)[0] + ".bench_urls")
def test_the_bare_view_answers_ok_next_to_the_products_urls(client):
    response = client.get(load.BARE_PATH)

    assert response.status_code == 200
    assert response.content == b"ok"
    assert reverse("api-token") == "/api/v1/auth/token/"  # the product's URLs are all there too


def test_the_bare_view_is_not_one_of_the_products_urls():
    with pytest.raises(Resolver404):
        resolve(load.BARE_PATH, urlconf="supportdesk.urls")


def test_the_bench_settings_are_the_products_with_the_bench_urls():
    from tests.benchmarks import bench_settings

    assert bench_settings.ROOT_URLCONF == "tests.benchmarks.bench_urls"
    assert bench_settings.INSTALLED_APPS == __import__("supportdesk.settings").settings.INSTALLED_APPS


def test_the_locustfile_parses_and_names_the_user_classes_the_benchmark_runs():
    tree = ast.parse(load.LOCUSTFILE.read_text())

    classes = {node.name for node in tree.body if isinstance(node, ast.ClassDef)}
    assert {"BareView", "TicketCreator", "TicketListReader"} <= classes
    imports = [node for node in ast.walk(tree) if isinstance(node, ast.Import)]
    imported = {alias.name.split(".")[0] for node in imports for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported <= {"itertools", "json", "os", "locust"}, "Supportdesk is not installed where locust runs"


def test_every_package_of_the_locust_virtualenv_is_pinned():
    lines = [line.strip() for line in load.LOCUST_REQUIREMENTS.read_text().splitlines()]
    packages = [line for line in lines if line and not line.startswith("#")]

    assert packages[0].startswith("locust==")
    assert all("==" in line for line in packages), [line for line in packages if "==" not in line]


def test_gunicorn_is_a_pinned_production_dependency():
    requirements = (load.HERE.parents[1] / "requirements.txt").read_text().splitlines()

    assert any(line.startswith("gunicorn==") for line in requirements)


def test_locusts_statistics_are_read_by_request_name(tmp_path):
    stats = tmp_path / "locust-TicketCreator_stats.csv"
    stats.write_text(STATS_CSV)

    result = load.parse_locust_stats(stats, "create")

    assert result == load.LoadResult(name="create", requests=1200, failures=0, rps=60.1, p50_ms=41.0, p99_ms=120.0)
    with pytest.raises(LookupError):
        load.parse_locust_stats(stats, "list")


def test_pgbench_rate_is_read_from_its_report():
    assert load.parse_pgbench_tps(PGBENCH_OUTPUT) == pytest.approx(3123.456789)
    assert load.parse_pgbench_tps("tps = 812.5 (excluding connections establishing)\n") == 812.5
    with pytest.raises(ValueError):
        load.parse_pgbench_tps("pgbench: error: connection refused")


def test_resident_memory_of_a_process_tree_is_sampled():
    assert load.rss_mb(os.getpid()) > 1
    assert load.rss_mb(2**22 + 12345) == 0.0  # gone (or never was): nothing, not an error

    before = load.rss_mb(os.getpid())
    with load.PeakRss({"tests": os.getpid()}, every=0.01) as peaks:
        ballast = b"x" * (32 * 2**20)  # 32 MiB more, written (so resident) while sampling; the exit samples it too
    total, largest = load.tree_rss_mb(os.getpid())

    assert peaks.peak_total["tests"] >= peaks.peak_process["tests"] >= 32
    assert peaks.peak_process["tests"] >= before + 30, (before, peaks.peak_process, len(ballast))
    assert total >= largest > 1


def test_cpu_time_of_a_process_tree_is_read():
    assert load.tree_cpu_seconds(os.getpid()) >= load.cpu_seconds(os.getpid()) > 0
    assert load.cpu_seconds(2**22 + 12345) == 0.0


@pytest.mark.django_db
def test_gunicorn_runs_production_settings_on_the_test_database():
    env = load.gunicorn_environment()

    assert env["DJANGO_SETTINGS_MODULE"] == "tests.benchmarks.bench_settings"
    assert env["DJANGO_DEBUG"] == "0" and len(env["SECRET_KEY"]) >= 50
    assert env["CELERY_TASK_ALWAYS_EAGER"] == "0"
    assert connection.settings_dict["NAME"].rsplit("/", 1)[-1] in env["DATABASE_URL"]


@pytest.mark.django_db
def test_single_row_inserts_are_counted_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's insert rate is measured on PostgreSQL only")
    with load.scratch_table() as table:
        rate = load._psycopg_loop(0.2)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {table}")
            rows = cursor.fetchone()[0]

    assert rate > 0 and rows > 0
