"""Cloud access service: every validation rule, masked rows, edit keeps secrets, encryption at rest, rotation."""

from __future__ import annotations

import asyncio
import base64
from datetime import timedelta

import pytest
from sqlmodel import select

from profile_app import db
from profile_app.models import CloudCredential, utcnow
from profile_app.services import accounts, cloud_access, crypto, storage_providers
from profile_app.services.cloud_access import AZURE, GCS, S3, S3_COMPATIBLE, CloudAccessInput
from profile_app.services.errors import NotFound, ValidationFailed
from tests.conftest import random_password

AWS_KEY = "AKIAIOSFODNN7EXAMPLE"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def _user(name: str = "Ada") -> int:
    return accounts.sign_up(name, f"{name.lower()}-{random_password()[-6:]}@example.com", random_password())


def future_sas(days: int = 30, **extra: str) -> str:
    expiry = (utcnow() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
    parts = {
        "sv": "2021-08-06",
        "ss": "b",
        "srt": "co",
        "sp": "rl",
        "se": expiry,
        "sig": "c2lnbmF0dXJlZm9ydGVzdA%3D%3D",
    }
    parts.update(extra)
    return "&".join(f"{k}={v}" for k, v in parts.items() if v)


def s3_input(**changes) -> CloudAccessInput:
    values = dict(provider=S3, bucket="my-bucket", key=AWS_KEY, secret=AWS_SECRET, region="eu-west-3")
    values.update(changes)
    return CloudAccessInput(**values)


def expect_error(data: CloudAccessInput, field: str, fragment: str) -> None:
    user_id = _user()
    with pytest.raises(ValidationFailed) as caught:
        cloud_access.add_cloud_access(user_id, data)
    assert caught.value.field == field
    assert fragment in caught.value.message
    assert cloud_access.list_cloud_access(user_id) == ()


@pytest.mark.parametrize(
    ("bucket", "fragment"),
    [
        ("ab", "3 to 63"),
        ("a" * 64, "3 to 63"),
        ("My-Bucket", "lowercase letters"),
        ("my_bucket", "lowercase letters"),
        ("-bucket", "start and end"),
        ("bucket-", "start and end"),
        ("my..bucket", "two dots"),
        ("my.-bucket", "dot next to a hyphen"),
        ("192.168.5.4", "IP address"),
        ("xn--bucket", "'xn--'"),
        ("sthree-bucket", "'sthree-'"),
        ("bucket-s3alias", "'-s3alias'"),
        ("bucket--ol-s3", "'--ol-s3'"),
    ],
)
def test_s3_bucket_rules(database, bucket, fragment):
    expect_error(s3_input(bucket=bucket), "bucket", fragment)


@pytest.mark.parametrize(
    ("bucket", "fragment"),
    [
        ("ab", "3 to 63"),
        ("my.container", "lowercase letters, digits and hyphens"),
        ("-container", "start and end"),
        ("my--container", "two hyphens"),
    ],
)
def test_azure_container_rules(database, bucket, fragment):
    data = CloudAccessInput(
        provider=AZURE, bucket=bucket, secret=future_sas(), host="https://acct.blob.core.windows.net"
    )
    expect_error(data, "bucket", fragment)


def test_gcs_bucket_rules(database):
    expect_error(CloudAccessInput(provider=GCS, bucket="googlebucket", key="GOOG1EKEY", secret="s"), "bucket", "goog")


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"provider": "dropbox"}, "provider", "Choose a provider"),
        ({"bucket": " "}, "bucket", "Enter a bucket name"),
        ({"key": ""}, "key", "Enter the access key"),
        ({"key": "not-an-aws-key"}, "key", "16 to 128"),
        ({"secret": ""}, "secret", "Enter the secret key"),
        ({"secret": "has space"}, "secret", "spaces"),
        ({"token": "a b"}, "token", "spaces"),
        ({"secret": "s" * 8193}, "secret", "at most 8192"),
        ({"token": "t" * 8193}, "token", "at most 8192"),
        ({"region": "Europe"}, "region", "us-east-1"),
        ({"region": "eu_west_1"}, "region", "us-east-1"),
        ({"host": "https://s3.example.com"}, "host", "Leave Host (Endpoint) empty for AWS S3"),
    ],
)
def test_field_rules(database, changes, field, fragment):
    expect_error(s3_input(**changes), field, fragment)


@pytest.mark.parametrize(
    ("host", "fragment"),
    [
        ("", "Enter the Host"),
        ("minio.example.com:9000", "must be a URL starting with https://"),
        ("ftp://minio.example.com", "must be a URL starting with https://"),
        ("https://user:pw@minio.example.com", "user name or password"),
        ("https://minio.example.com/some/path", "cannot have a path"),
        ("https://minio.example.com?x=1", "query"),
        ("https://minio.example.com#frag", "fragment"),
        ("https://minio.example.com:99999", "invalid port"),
        ("https://", "must be a URL"),
    ],
)
def test_host_rules(database, host, fragment):
    expect_error(s3_input(provider=S3_COMPATIBLE, key="minio", host=host), "host", fragment)


def test_empty_region_means_us_east_1_and_host_is_normalised(database):
    user_id = _user()
    row = cloud_access.add_cloud_access(
        user_id, s3_input(provider=S3_COMPATIBLE, key="minio", region="", host=" HTTPS://MinIO.Example.com:443/ ")
    )
    assert row.region == "us-east-1"
    assert row.host == "https://minio.example.com"
    assert row.warning == ""


def test_http_host_is_saved_with_a_warning(database):
    row = cloud_access.add_cloud_access(
        _user(), s3_input(provider=S3_COMPATIBLE, key="minio", host="http://10.1.2.3:9000")
    )
    assert row.host == "http://10.1.2.3:9000"
    assert "unencrypted" in row.warning


def test_gcs_defaults_to_google_endpoint(database):
    row = cloud_access.add_cloud_access(
        _user(), CloudAccessInput(provider=GCS, bucket="my_bucket", key="GOOG1E", secret="x")
    )
    assert row.host == storage_providers.GCS_ENDPOINT


@pytest.mark.parametrize(
    ("sas", "fragment"),
    [
        ("", "Enter the shared access signature"),
        ("?sv=2021-08-06&se=2099-01-01T00:00:00Z", "missing sig"),
        ("sp=r&sig=abc", "missing sv, se"),
        ("sv=2021&se=tomorrow&sig=abc", "not a date"),
        ("sv=2021-08-06&se=2020-01-02T03:04:05Z&sig=abc", "This SAS expired on 2020-01-02 03:04 UTC"),
    ],
)
def test_sas_rules(database, sas, fragment):
    data = CloudAccessInput(provider=AZURE, bucket="container", secret=sas, host="https://acct.blob.core.windows.net")
    expect_error(data, "secret", fragment)


def test_azure_refuses_key_and_token(database):
    base = dict(provider=AZURE, bucket="container", secret=future_sas(), host="https://acct.blob.core.windows.net")
    expect_error(CloudAccessInput(**base, key="account"), "key", "Leave Key empty")
    expect_error(CloudAccessInput(**base, token="tok"), "token", "Leave Token empty")


def test_azure_row_drops_leading_question_mark_and_keeps_account_path(database):
    sas = future_sas()
    row = cloud_access.add_cloud_access(
        _user(),
        CloudAccessInput(provider=AZURE, bucket="container", secret="?" + sas, host="http://127.0.0.1:10000/devacct"),
    )
    assert row.host == "http://127.0.0.1:10000/devacct"
    assert row.region == ""
    assert row.secret_masked == "••••" + sas[-4:]


def test_one_row_per_bucket_and_host(database):
    user_id = _user()
    cloud_access.add_cloud_access(user_id, s3_input())
    with pytest.raises(ValidationFailed, match="already have access keys for bucket 'my-bucket' on AWS S3"):
        cloud_access.add_cloud_access(user_id, s3_input(region="us-west-2"))
    # Same bucket at another host is another row; and another user may use the same bucket.
    cloud_access.add_cloud_access(user_id, s3_input(provider=S3_COMPATIBLE, key="minio", host="https://minio.local"))
    cloud_access.add_cloud_access(_user("Bob"), s3_input())
    assert len(cloud_access.list_cloud_access(user_id)) == 2


def test_rows_are_masked_and_secrets_encrypted_at_rest(database):
    user_id = _user()
    row = cloud_access.add_cloud_access(user_id, s3_input(token="SESSIONTOKEN1234567890"))
    assert row.secret_masked == "••••" + AWS_SECRET[-4:]
    assert row.has_token
    assert AWS_SECRET not in repr(row) and "SESSIONTOKEN" not in repr(row)
    with db.read() as session:
        stored = session.exec(select(CloudCredential)).one()
    assert stored.secret_ciphertext.startswith("v1.test1.")
    assert AWS_SECRET not in stored.secret_ciphertext and "SESSIONTOKEN" not in stored.token_ciphertext
    credentials = cloud_access.stored_credentials(user_id, row.id)
    assert (credentials.secret, credentials.token) == (AWS_SECRET, "SESSIONTOKEN1234567890")
    assert AWS_SECRET not in repr(credentials)


def test_edit_with_empty_secret_keeps_the_stored_one(database):
    user_id = _user()
    row = cloud_access.add_cloud_access(user_id, s3_input(token="TOKEN-A"))
    edited = cloud_access.edit_cloud_access(user_id, row.id, s3_input(secret="", token="", region="us-west-2"))
    assert edited.region == "us-west-2"
    credentials = cloud_access.stored_credentials(user_id, row.id)
    assert (credentials.secret, credentials.token) == (AWS_SECRET, "TOKEN-A")
    cloud_access.edit_cloud_access(user_id, row.id, s3_input(secret="NEWSECRET"), clear_token=True)
    credentials = cloud_access.stored_credentials(user_id, row.id)
    assert (credentials.secret, credentials.token) == ("NEWSECRET", "")


def test_edit_validates_and_changes_nothing_on_error(database):
    user_id = _user()
    row = cloud_access.add_cloud_access(user_id, s3_input())
    with pytest.raises(ValidationFailed) as caught:
        cloud_access.edit_cloud_access(user_id, row.id, s3_input(bucket="Bad_Bucket"))
    assert caught.value.field == "bucket"
    assert cloud_access.list_cloud_access(user_id)[0].bucket == "my-bucket"
    with pytest.raises(ValidationFailed, match="changing to or from Azure"):
        cloud_access.edit_cloud_access(
            user_id, row.id, CloudAccessInput(provider=AZURE, bucket="c-1", host="https://a.blob.core.windows.net")
        )


def test_other_users_rows_are_out_of_reach(database):
    owner, intruder = _user(), _user("Eve")
    row = cloud_access.add_cloud_access(owner, s3_input())
    for action in (
        lambda: cloud_access.edit_cloud_access(intruder, row.id, s3_input()),
        lambda: cloud_access.remove_cloud_access(intruder, row.id),
        lambda: cloud_access.stored_credentials(intruder, row.id),
        lambda: asyncio.run(cloud_access.test_cloud_access(intruder, row.id)),
    ):
        with pytest.raises(NotFound):
            action()
    assert cloud_access.list_cloud_access(intruder) == ()
    cloud_access.remove_cloud_access(owner, row.id)
    assert cloud_access.list_cloud_access(owner) == ()


@pytest.mark.parametrize("row_id", [{"id": 1}, [1], "1", 1.0, True, 10**30, -1, 0])
def test_row_ids_from_crafted_events_are_not_found(database, row_id):
    """Handlers pass the client's row id straight through: anything but a plausible int is NotFound, not a
    driver error (a dict) or an OverflowError (10**30) escaping the service."""
    owner = _user()
    cloud_access.add_cloud_access(owner, s3_input())
    for action in (
        lambda: cloud_access.edit_cloud_access(owner, row_id, s3_input()),
        lambda: cloud_access.remove_cloud_access(owner, row_id),
        lambda: cloud_access.stored_credentials(owner, row_id),
        lambda: asyncio.run(cloud_access.test_cloud_access(owner, row_id)),
    ):
        with pytest.raises(NotFound):
            action()
    assert len(cloud_access.list_cloud_access(owner)) == 1


# ---------------------------------------------------------------------------------------------------- crypto


def _key(byte: bytes) -> str:
    return base64.urlsafe_b64encode(byte * 32).decode()


def test_crypto_round_trip_and_format(database):
    ciphertext = crypto.encrypt("s3cr3t", "cloud_credential:1:2:secret")
    version, kid, nonce, sealed = ciphertext.split(".")
    assert (version, kid) == ("v1", "test1")
    assert crypto.decrypt(ciphertext, "cloud_credential:1:2:secret") == "s3cr3t"
    assert crypto.encrypt("s3cr3t", "x") != crypto.encrypt("s3cr3t", "x")  # fresh nonce each time


def test_crypto_failures(database):
    ciphertext = crypto.encrypt("s3cr3t", "cloud_credential:1:2:secret")
    with pytest.raises(crypto.DecryptionFailed, match="altered or belongs to another row"):
        crypto.decrypt(ciphertext, "cloud_credential:2:2:secret")  # moved to another row
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt(ciphertext, "cloud_credential:1:2:token")  # moved to another field
    head, sealed = ciphertext.rsplit(".", 1)
    tampered = head + "." + ("A" if sealed[0] != "A" else "B") + sealed[1:]
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt(tampered, "cloud_credential:1:2:secret")
    with pytest.raises(crypto.DecryptionFailed, match="not in a format"):
        crypto.decrypt("plaintext-secret", "cloud_credential:1:2:secret")
    database(ENCRYPTION_KEYS=f"test1:{_key(b'z')}")  # same key id, wrong key
    with pytest.raises(crypto.DecryptionFailed, match="key 'test1'"):
        crypto.decrypt(ciphertext, "cloud_credential:1:2:secret")
    database(ENCRYPTION_KEYS=f"other:{_key(b'z')}")  # key id gone
    with pytest.raises(crypto.DecryptionFailed, match="not in PROFILE_ENCRYPTION_KEYS"):
        crypto.decrypt(ciphertext, "cloud_credential:1:2:secret")


def test_swapped_ciphertexts_between_rows_fail(database):
    user_id = _user()
    first = cloud_access.add_cloud_access(user_id, s3_input(bucket="bucket-one"))
    second = cloud_access.add_cloud_access(user_id, s3_input(bucket="bucket-two", secret="OTHERSECRET"))
    with db.transaction() as session:
        rows = {r.id: r for r in session.exec(select(CloudCredential)).all()}
        rows[first.id].secret_ciphertext, rows[second.id].secret_ciphertext = (
            rows[second.id].secret_ciphertext,
            rows[first.id].secret_ciphertext,
        )
    with pytest.raises(crypto.DecryptionFailed):
        cloud_access.stored_credentials(user_id, first.id)


def test_rotation_reencrypts_every_row_while_old_key_decrypts(database):
    user_id = _user()
    old = cloud_access.add_cloud_access(user_id, s3_input(token="TOKEN-OLD"))
    azure = cloud_access.add_cloud_access(
        user_id,
        CloudAccessInput(
            provider=AZURE, bucket="container", secret=future_sas(), host="https://a.blob.core.windows.net"
        ),
    )
    old_key = f"test1:{_key(b'k')}"
    database(ENCRYPTION_KEYS=f"new2:{_key(b'n')},{old_key}")
    assert cloud_access.stored_credentials(user_id, old.id).secret == AWS_SECRET  # old key still decrypts
    report = cloud_access.reencrypt_all_secrets(batch_size=1)
    assert (report.rows, report.reencrypted, report.key_id) == (2, 2, "new2")
    assert cloud_access.reencrypt_all_secrets().reencrypted == 0  # idempotent
    with db.read() as session:
        for row in session.exec(select(CloudCredential)).all():
            assert row.secret_ciphertext.startswith("v1.new2.")
            assert row.token_ciphertext == "" or row.token_ciphertext.startswith("v1.new2.")
    database(ENCRYPTION_KEYS=f"new2:{_key(b'n')}")  # the old key can go now
    credentials = cloud_access.stored_credentials(user_id, old.id)
    assert (credentials.secret, credentials.token) == (AWS_SECRET, "TOKEN-OLD")
    assert cloud_access.stored_credentials(user_id, azure.id).secret.startswith("sv=")


def test_rotation_command(database, capsys):
    from profile_app import manage

    user_id = _user()
    row = cloud_access.add_cloud_access(user_id, s3_input())
    database(ENCRYPTION_KEYS=f"new2:{_key(b'n')},test1:{_key(b'k')}")
    assert manage.main(["rotate-encryption-key"]) == 0
    assert "Re-encrypted 1 of 1" in capsys.readouterr().out
    database(ENCRYPTION_KEYS=f"new2:{_key(b'n')}")
    assert cloud_access.stored_credentials(user_id, row.id).secret == AWS_SECRET


@pytest.mark.postgres
def test_add_edit_rotate_on_postgresql(postgres_database):
    """The same insert-flush-encrypt unit, row locks and rotation batches on the production database."""
    user_id = _user()
    row = cloud_access.add_cloud_access(user_id, s3_input(token="TOKEN-PG"))
    with pytest.raises(ValidationFailed, match="already have access keys"):
        cloud_access.add_cloud_access(user_id, s3_input())
    cloud_access.edit_cloud_access(user_id, row.id, s3_input(secret="", region="us-west-2"))
    postgres_database(ENCRYPTION_KEYS=f"pg2:{_key(b'p')},test1:{_key(b'k')}")
    assert cloud_access.reencrypt_all_secrets().reencrypted == 1
    postgres_database(ENCRYPTION_KEYS=f"pg2:{_key(b'p')}")
    credentials = cloud_access.stored_credentials(user_id, row.id)
    assert (credentials.secret, credentials.token, credentials.region) == (AWS_SECRET, "TOKEN-PG", "us-west-2")


# ---------------------------------------------------------------------------------------------------- whole sections


def _sas_row(bucket: str = "container", host: str = "myaccount", secret: str | None = None) -> CloudAccessInput:
    return CloudAccessInput(provider=AZURE, bucket=bucket, secret=future_sas() if secret is None else secret, host=host)


def test_replacing_a_section_adds_edits_keeps_secrets_and_removes_the_rest(database):
    user_id = _user()
    kept = cloud_access.add_cloud_access(user_id, s3_input(token="TOKEN-A"))
    gone = cloud_access.add_cloud_access(user_id, s3_input(bucket="old-bucket"))
    azure_row = cloud_access.add_cloud_access(user_id, _sas_row())
    rows = cloud_access.replace_cloud_access(
        user_id,
        (S3, S3_COMPATIBLE, GCS),
        [
            s3_input(secret="", token="", region="us-west-2"),  # the stored row, secret and token kept
            s3_input(provider=S3_COMPATIBLE, bucket="new-bucket", key="minio", host="https://minio.test"),
        ],
    )
    assert [row.bucket for row in rows] == ["my-bucket", "new-bucket"]
    assert rows[0].id == kept.id and rows[0].region == "us-west-2"
    stored = cloud_access.stored_credentials(user_id, kept.id)
    assert (stored.secret, stored.token) == (AWS_SECRET, "TOKEN-A")
    remaining = {row.id for row in cloud_access.list_cloud_access(user_id)}
    assert gone.id not in remaining and azure_row.id in remaining  # another section is left alone


def test_replacing_a_section_is_all_or_nothing_and_names_the_entry(database):
    user_id = _user()
    cloud_access.add_cloud_access(user_id, s3_input())
    before = cloud_access.list_cloud_access(user_id)
    cases = [
        ([s3_input(bucket="fine-bucket"), s3_input(bucket="Bad_Bucket")], 1, "bucket"),
        ([s3_input(bucket="new-bucket", secret="")], 0, "secret"),  # a new row needs its secret
        ([s3_input(), s3_input(region="us-west-2")], 1, "bucket"),  # the same bucket twice
        ([_sas_row()], 0, "provider"),  # an Azure row does not belong in the aws section
    ]
    for entries, index, field in cases:
        with pytest.raises(cloud_access.CloudEntryInvalid) as caught:
            cloud_access.replace_cloud_access(user_id, (S3, S3_COMPATIBLE, GCS), entries)
        assert (caught.value.index, caught.value.field) == (index, field), caught.value.message
        assert cloud_access.list_cloud_access(user_id) == before


def test_replacing_a_section_never_touches_another_users_rows(database):
    owner, intruder = _user(), _user("Eve")
    row = cloud_access.add_cloud_access(owner, s3_input())
    cloud_access.replace_cloud_access(intruder, (S3, S3_COMPATIBLE, GCS, AZURE), [s3_input(secret="EVESECRET")])
    cloud_access.replace_cloud_access(intruder, (S3, S3_COMPATIBLE, GCS, AZURE), [])
    assert cloud_access.list_cloud_access(owner)[0] == row
    assert cloud_access.stored_credentials(owner, row.id).secret == AWS_SECRET


@pytest.mark.postgres
def test_replacing_on_postgresql(postgres_database):
    user_id = _user()
    row = cloud_access.add_cloud_access(user_id, s3_input(token="TOKEN-PG"))
    cloud_access.replace_cloud_access(user_id, (S3,), [s3_input(secret="", region="us-west-2"), s3_input(bucket="b-2")])
    assert [r.bucket for r in cloud_access.list_cloud_access(user_id)] == ["my-bucket", "b-2"]
    assert cloud_access.stored_credentials(user_id, row.id).token == "TOKEN-PG"


# ------------------------------------------------------------------------------------------------ one test at a time


def test_one_test_access_at_a_time_per_user(database, tarpit):
    """A second Test access of the same user (another tab, another worker) is refused at once while the first
    waits on a host that never answers; another user's is not."""
    database(OUTBOUND_ALLOWLIST="127.0.0.1")
    ada, bob = _user(), _user("Bob")
    slow = cloud_access.add_cloud_access(ada, s3_input(provider=S3_COMPATIBLE, key="minio", host=tarpit))
    other = cloud_access.add_cloud_access(ada, s3_input(provider=S3_COMPATIBLE, bucket="b-2", key="minio", host=tarpit))
    bobs = cloud_access.add_cloud_access(bob, s3_input(provider=S3_COMPATIBLE, key="minio", host=tarpit))

    async def scenario():
        first = asyncio.create_task(cloud_access.test_cloud_access(ada, slow.id))
        await asyncio.sleep(0.2)
        with pytest.raises(cloud_access.AccessTestBusy):
            await cloud_access.test_cloud_access(ada, other.id)
        bobs_test = asyncio.create_task(cloud_access.test_cloud_access(bob, bobs.id))
        return await first, await bobs_test

    first, bobs_result = asyncio.run(scenario())
    assert first.outcome == storage_providers.TIMED_OUT and bobs_result.outcome == storage_providers.TIMED_OUT
    # The slot is free again once the first test is over.
    assert asyncio.run(cloud_access.test_cloud_access(ada, other.id)).outcome == storage_providers.TIMED_OUT
