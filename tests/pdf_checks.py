"""An independent PDF/UA-1 checker (PyPI `pdfua`, the machine-checkable subset) over the PDFs the platform makes."""

import tempfile
from pathlib import Path

from pdfua import Validator


def pdfua_findings(data: bytes) -> list[str]:
    """Every error, warning and note the checker reports, as 'RULE: message' lines (empty when clean)."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "document.pdf"
        path.write_bytes(data)
        report = Validator().validate(str(path))
    return [f"{finding.rule_id}: {finding.message}" for finding in report.findings]
