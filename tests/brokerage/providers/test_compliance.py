"""Compliance documents: uploads validated and served only to the organisation and admin; expiry warned once."""

import datetime

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from breakthrough.models import AuditEvent, Role
from brokerage.models import ComplianceDocument, ComplianceKind
from brokerage.providers.tasks import warn_expiring_compliance
from tests.factories import ComplianceDocumentFactory, staff

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def url(name, **kwargs):
    return reverse(f"brokerage:providers:{name}", kwargs=kwargs or None)


def _post(**overrides):
    today = timezone.localdate()
    issued, expires = today - datetime.timedelta(days=10), today + datetime.timedelta(days=355)
    data = {
        "kind": "disclosure",
        "reference": "PVG-778",
        "holder": "All volunteers",
        "issued_on_0": str(issued.day),
        "issued_on_1": str(issued.month),
        "issued_on_2": str(issued.year),
        "expires_on_0": str(expires.day),
        "expires_on_1": str(expires.month),
        "expires_on_2": str(expires.year),
    }
    return {**data, **overrides}


def test_add_a_document_with_a_pdf_and_download_it(provider_client, sunny, admin_user, client_for):
    upload = SimpleUploadedFile("pvg.pdf", PDF, content_type="application/pdf")
    response = provider_client.post(url("compliance_add"), _post(file=upload))
    assert response.status_code == 302
    document = ComplianceDocument.objects.get(organisation=sunny, reference="PVG-778")
    assert document.file.name.startswith("compliance/")
    assert str(settings.MEDIA_ROOT) in document.file.path
    download = provider_client.get(url("compliance_download", pk=document.pk))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"]
    assert download["Cache-Control"] == "private, no-store"
    assert client_for(admin_user).get(url("compliance_download", pk=document.pk)).status_code == 200
    assert AuditEvent.objects.filter(action="brokerage.compliancedocument.downloaded").count() == 2


def test_a_png_is_accepted(provider_client, sunny):
    upload = SimpleUploadedFile("scan.PNG", PNG, content_type="image/png")
    assert provider_client.post(url("compliance_add"), _post(file=upload)).status_code == 302


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("virus.exe", b"MZ\x90\x00", "PDF, JPG or PNG"),
        ("fake.pdf", b"<html>not a pdf</html>", "this one is not"),
        ("huge.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024), "smaller than 5 MB"),
        ("photo.jpg", PNG, "this one is not"),
    ],
)
def test_bad_uploads_are_refused_by_the_field(provider_client, sunny, name, content, words):
    response = provider_client.post(url("compliance_add"), _post(file=SimpleUploadedFile(name, content)))
    assert response.status_code == 200
    assert words in response.context["form"].errors["file"][0]
    assert b"PVG-778" in response.content  # what was typed is kept
    assert not ComplianceDocument.objects.filter(organisation=sunny).exists()


def test_bad_dates_are_refused_by_the_field(provider_client, sunny):
    today = timezone.localdate()
    response = provider_client.post(
        url("compliance_add"),
        _post(expires_on_0=str(today.day), expires_on_1=str(today.month), expires_on_2=str(today.year - 1)),
    )
    assert "after the date it was issued" in response.context["form"].errors["expires_on"][0]
    response = provider_client.post(url("compliance_add"), _post(reference="", issued_on_1="13"))
    errors = response.context["form"].errors
    assert "reference" in errors["reference"][0]
    assert "real date" in errors["issued_on"][0]


def test_renew_a_document(provider_client, sunny):
    document = ComplianceDocumentFactory(organisation=sunny, kind=ComplianceKind.INSURANCE, reference="OLD-1")
    response = provider_client.post(url("compliance_replace", pk=document.pk), _post(reference="NEW-2"))
    assert response.status_code == 302
    document.refresh_from_db()
    assert (document.reference, document.kind) == ("NEW-2", ComplianceKind.INSURANCE)


def test_download_without_a_file_is_404(provider_client, sunny):
    document = ComplianceDocumentFactory(organisation=sunny)
    assert provider_client.get(url("compliance_download", pk=document.pk)).status_code == 404


def test_media_url_is_not_where_documents_are_served(provider_client, sunny):
    provider_client.post(url("compliance_add"), _post(file=SimpleUploadedFile("a.pdf", PDF)))
    document = ComplianceDocument.objects.get(organisation=sunny)
    assert provider_client.get("/" + settings.MEDIA_URL + document.file.name).status_code == 404


# --- the daily warning -----------------------------------------------------------------------


def _expiring(organisation, days, **kwargs):
    today = timezone.localdate()
    return ComplianceDocumentFactory(
        organisation=organisation,
        issued_on=today - datetime.timedelta(days=300),
        expires_on=today + datetime.timedelta(days=days),
        **kwargs,
    )


def test_staff_are_warned_30_days_before_expiry_once(sunny, provider_user, django_capture_on_commit_callbacks):
    colleague = staff(Role.PROVIDER, sunny, email="second@sunny.example")
    document = _expiring(sunny, 30, kind=ComplianceKind.DISCLOSURE, reference="PVG-9")
    _expiring(sunny, 45, kind=ComplianceKind.APPROVED_CARER)  # too far off yet
    with django_capture_on_commit_callbacks(execute=True):
        assert warn_expiring_compliance() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == sorted([provider_user.email, colleague.email])
    assert "PVG-9" in message.body
    assert "30 days" in message.body
    document.refresh_from_db()
    assert document.expiry_warned_on == timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        assert warn_expiring_compliance() == 0  # the next day's run sends nothing more
    assert len(mail.outbox) == 1


def test_no_warning_for_far_expiries_expired_documents_or_renewed_ones(
    sunny, provider_user, django_capture_on_commit_callbacks
):
    _expiring(sunny, 200)
    _expiring(sunny, -3, kind=ComplianceKind.DISCLOSURE)
    _expiring(sunny, 10, kind=ComplianceKind.APPROVED_CARER)
    _expiring(sunny, 400, kind=ComplianceKind.APPROVED_CARER)  # already renewed
    with django_capture_on_commit_callbacks(execute=True):
        assert warn_expiring_compliance() == 0
    assert mail.outbox == []


def test_other_organisations_staff_are_not_told(sunny, provider_user, rival, django_capture_on_commit_callbacks):
    _expiring(rival.organisation, 5, kind=ComplianceKind.DISCLOSURE)
    with django_capture_on_commit_callbacks(execute=True):
        warn_expiring_compliance()
    assert [m.to for m in mail.outbox] == [[rival.user.email]]


def test_the_task_runs_daily_at_seven():
    entry = settings.CELERY_BEAT_SCHEDULE["warn-expiring-compliance"]
    assert entry["task"] == "brokerage.providers.tasks.warn_expiring_compliance"
    assert entry["schedule"].hour == {7}
    assert entry["schedule"].minute == {0}
