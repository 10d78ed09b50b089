#!/usr/bin/env python3
"""The drop-in endpoints answer the providers' own, unmodified Python SDKs.

Starts the simulated providers (`jobmirror sim`), mirrors them (`jobmirror
sync`), serves the mirror read-only with a bearer token configured
(`jobmirror serve`), then asks the same questions with each official SDK twice:
once of the simulator, once of jobmirror, with the same credentials (so
jobmirror checks the provider's own authentication against the source's). The
answers must be equal (minus per-request ids).

    python3 tests/sdk/dropin.py --bin target/debug/jobmirror

SDKs (installed by .ci/run): huaweicloudsdkswr, huaweicloudsdkmodelarts
(Huawei AK/SK), alibabacloud-pai-dlc20201203 (Alibaba ACS3), modzy-sdk.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta, timezone

PROJECT = "0123456789abcdef0123456789abcdef"
AK = "SIMACCESSKEY"
SK = "sim-secret-key"
MODZY_KEY = "SIMKEYPREFIX.sim-api-key"
BEARER = "ci-bearer-token"

FAILURES = []
ENV = {**os.environ, "RUST_LOG": "warn"}


def start(cmd):
    """Starts a jobmirror process that prints `listening on URL` first."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=sys.stderr, text=True, env=ENV)
    line = p.stdout.readline().strip()
    if not line.startswith("listening on "):
        p.kill()
        raise SystemExit(f"{cmd[1:3]}: unexpected first line {line!r}")
    return p, line[len("listening on "):]


def check(name, got, want):
    if got == want:
        print(f"ok   {name}")
    else:
        FAILURES.append(name)
        print(f"FAIL {name}\n  jobmirror: {json.dumps(got)[:600]}\n  provider:  {json.dumps(want)[:600]}")


def huawei(sim_url, mirror_url):
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.http.http_config import HttpConfig
    from huaweicloudsdkmodelarts.v1 import ListAlgorithmsRequest, ModelArtsClient
    from huaweicloudsdkswr.v2 import ListInstanceJobsRequest, SwrClient

    def client(cls, url):
        cfg = HttpConfig.get_default_config()
        cfg.ignore_ssl_verification = True
        return (
            cls.new_builder()
            .with_http_config(cfg)
            .with_credentials(BasicCredentials(AK, SK, PROJECT))
            .with_endpoints([url])
            .build()
        )

    for kwargs in [{}, {"status": "Running"}, {"offset": 30, "limit": 25}, {"status": "Success", "offset": 0, "limit": 7}]:
        answers = [client(SwrClient, u).list_instance_jobs(ListInstanceJobsRequest(**kwargs)).to_dict() for u in (mirror_url, sim_url)]
        check(f"huaweicloudsdkswr ListInstanceJobs {kwargs}", *answers)
        if not kwargs:
            assert answers[0].get("total"), answers[0]

    for kwargs in [{}, {"limit": 50, "offset": 10, "sort_by": "name", "order": "asc"}, {"searches": "name:RES", "limit": 5}]:
        answers = [client(ModelArtsClient, u).list_algorithms(ListAlgorithmsRequest(**kwargs)).to_dict() for u in (mirror_url, sim_url)]
        check(f"huaweicloudsdkmodelarts ListAlgorithms {kwargs}", *answers)

    # A wrong secret key is refused by jobmirror as by the provider.
    bad = (
        SwrClient.new_builder()
        .with_credentials(BasicCredentials(AK, "not-the-secret", PROJECT))
        .with_endpoints([mirror_url])
        .build()
    )
    try:
        bad.list_instance_jobs(ListInstanceJobsRequest())
        check("huaweicloudsdkswr with a wrong secret key is refused", "accepted", 401)
    except Exception as e:  # ClientRequestException
        check("huaweicloudsdkswr with a wrong secret key is refused", getattr(e, "status_code", None), 401)


def alibaba(sim_url, mirror_url):
    from alibabacloud_pai_dlc20201203 import models
    from alibabacloud_pai_dlc20201203.client import Client
    from alibabacloud_tea_openapi import models as open_api_models

    def client(url):
        host = url.split("://", 1)[1]
        return Client(open_api_models.Config(access_key_id=AK, access_key_secret=SK, endpoint=host, protocol="http"))

    since = (datetime.now(timezone.utc) - timedelta(days=400)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for kwargs in [
        {},
        {"start_time": since, "page_size": 20, "page_number": 2},
        {"start_time": since, "status": "Failed", "sort_by": "DisplayName", "order": "asc", "page_size": 10},
        {"start_time": since, "display_name": "BERT", "page_size": 100},
        {"start_time": since, "job_type": "PyTorchJob", "numeric_range_field": "RequestGPU", "numeric_range_min": 2},
    ]:
        answers = []
        for u in (mirror_url, sim_url):
            body = client(u).list_jobs(models.ListJobsRequest(**kwargs)).body.to_map()
            body.pop("RequestId", None)
            answers.append(body)
        check(f"alibabacloud-pai-dlc20201203 ListJobs {kwargs}", *answers)


def modzy(sim_url, mirror_url):
    from modzy import ApiClient

    for kwargs in [{}, {"per_page": 20, "page": 2}, {"status": "terminated", "sort_by": "status", "direction": "asc", "per_page": 50}, {"model": "Sentiment Analysis"}]:
        answers = []
        for u in (mirror_url, sim_url):
            jobs = ApiClient(base_url=f"{u}/api", api_key=MODZY_KEY).jobs.get_history(**kwargs)
            answers.append([(j.job_identifier, j.status) for j in jobs])
        check(f"modzy-sdk jobs.get_history {kwargs}", *answers)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/debug/jobmirror")
    args = ap.parse_args()
    bin = os.path.abspath(args.bin)
    with tempfile.TemporaryDirectory() as d:
        sim, sim_url = start([bin, "sim", "--listen", "127.0.0.1:0", "--modelarts-jobs", "200", "--algorithms", "80",
                              "--swr-jobs", "300", "--pai-dlc-jobs", "400", "--modzy-jobs", "300",
                              "--project-id", PROJECT, "--access-key", AK, "--secret-key", SK, "--modzy-api-key", MODZY_KEY])
        serve = None
        try:
            cfg = os.path.join(d, "config.toml")
            huawei_auth = f'project_id = "{PROJECT}"\naccess_key = "{AK}"\nsecret_key = "{SK}"'
            with open(cfg, "w") as f:
                f.write(f"""
[database]
url = "sqlite://{d}/mirror.db"

[http]
listen = "127.0.0.1:0"
token = "{BEARER}"

[sources.swr]
kind = "swr-instance-jobs"
endpoint = "{sim_url}"
{huawei_auth}

[sources.algos]
kind = "modelarts-algorithms"
endpoint = "{sim_url}"
{huawei_auth}

[sources.pai]
kind = "pai-dlc-jobs"
endpoint = "{sim_url}"
access_key = "{AK}"
secret_key = "{SK}"

[sources.modzy]
kind = "modzy-jobs"
endpoint = "{sim_url}"
api_key = "{MODZY_KEY}"
""")
            subprocess.run([bin, "--config", cfg, "sync"], check=True, env=ENV)
            serve, mirror_url = start([bin, "--config", cfg, "serve"])
            huawei(sim_url, mirror_url)
            alibaba(sim_url, mirror_url)
            modzy(sim_url, mirror_url)
        finally:
            for p in (serve, sim):
                if p is not None:
                    p.terminate()
                    p.wait(timeout=10)
    if FAILURES:
        raise SystemExit(f"{len(FAILURES)} SDK check(s) failed: {FAILURES}")
    print("every SDK answer from jobmirror equals the provider's")


if __name__ == "__main__":
    main()
