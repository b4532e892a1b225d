"""Response and request models: what the OpenAPI document (/docs) promises.

Hot endpoints answer with ready bytes (``snapshot.py``) rather than through these models; the
schemathesis test checks that every answer still matches them.
"""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict, Field

from bank_api.store import PURPOSES

USCC_PATTERN = r"^[0-9A-HJ-NPQRTUWXY]{18}$"
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
Purpose = Enum("Purpose", {k: k for k in PURPOSES}, type=str)
Purpose.__doc__ = "查询用途: " + ", ".join(f"{k} = {v}" for k, v in PURPOSES.items())


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SnapshotMeta(Strict):
    as_of_month: str | None = Field(description="数据截至月份 (YYYY-MM) of the snapshot served")
    model_version: str | None = Field(description="评分模型版本 in force for the as-of month")
    snapshot_id: str | None = Field(description="the published snapshot the answer comes from")


class ErrorInfo(Strict):
    code: str = Field(description="machine code, e.g. invalid_uscc, no_consent")
    message: str = Field(description="中文说明")
    detail: str | None = None


class ErrorResponse(SnapshotMeta):
    request_id: str
    error: ErrorInfo


class Dimension(Strict):
    code: str = Field(description="operations / innovation / structure / efficiency / risk")
    name: str = Field(description="经营 / 创新 / 结构 / 质效 / 风险")
    score: float | None = Field(description="0-100")


class Reason(Strict):
    rank: int
    code: str
    text: str


class LiftAction(Strict):
    code: str
    text: str
    target: float | None = Field(description="value to reach (3 significant digits)")


class NextGrade(Strict):
    grade_code: str
    grade: str
    score_gap: float | None
    actions: list[LiftAction]


class FirmHealth(Strict):
    firm_id: str
    scored_month: str
    overall_score: float | None
    grade: str | None = Field(description="健康 / 亚健康 / 不健康 / …")
    grade_code: str
    bank_points: float | None = Field(description="银行积分 (points = offset - factor·ln(odds))")
    pd: float | None = Field(description="12-month probability of distress")
    dimensions: list[Dimension]
    reasons: list[Reason] = Field(description="at most 4, most important first")
    red_flags: list[str]
    strengths: list[str]
    next_grade: NextGrade | None = Field(description="what lifts the firm to the next grade")
    model_version: str | None


class FirmHealthResponse(SnapshotMeta):
    request_id: str
    firm: FirmHealth


class HistoryItem(Strict):
    period_month: str
    overall_score: float | None
    grade: str | None
    grade_code: str
    bank_points: float | None
    pd: float | None
    dimensions: list[Dimension]
    model_version: str | None


class HistoryResponse(SnapshotMeta):
    request_id: str
    firm_id: str
    items: list[HistoryItem]


class BatchRequest(Strict):
    purpose: Purpose
    # maxItems is documented, not enforced here: a longer list gets the clear 413.
    firm_ids: list[str] = Field(
        description="统一社会信用代码, at most 1000", json_schema_extra={"maxItems": 1000}
    )


class BatchItem(Strict):
    firm_id: str
    status: str = Field(description="ok or an error code (invalid_uscc, no_consent, …)")
    message: str | None = None
    firm: FirmHealth | None = None


class BatchResponse(SnapshotMeta):
    request_id: str
    count: int
    items: list[BatchItem]


class Consent(Strict):
    consent_id: str
    firm_id: str
    bank_id: str
    purpose: str
    purpose_name: str
    valid_from: str
    valid_until: str
    evidence: str | None
    granted_at: str
    granted_by: str
    revoked_at: str | None
    revoked_by: str | None
    status: str = Field(description="active / expired / not_yet_valid / revoked")


class ConsentCreate(Strict):
    bank_id: str = Field(min_length=1, max_length=64)
    purpose: Purpose
    valid_from: str = Field(pattern=DATE_PATTERN)
    valid_until: str = Field(pattern=DATE_PATTERN)
    evidence: str | None = Field(default=None, max_length=500, description="e.g. 授权书编号")
    firm_id: str | None = Field(default=None, description="officials only: the firm")


class ConsentResponse(SnapshotMeta):
    request_id: str
    consent: Consent


class ConsentList(SnapshotMeta):
    request_id: str
    items: list[Consent]


class ConsentCheck(SnapshotMeta):
    request_id: str
    firm_id: str
    bank_id: str
    purpose: str
    allowed: bool
    status: str = Field(description="ok or the reason: no_consent, consent_expired, …")
    message: str | None
    consent_id: str | None
    valid_until: str | None


class QueryRecord(Strict):
    seq: int
    at: str
    principal_kind: str | None
    principal_id: str | None
    principal_name: str | None
    purpose: str | None
    endpoint: str
    http_status: int
    outcome: str


class QueryList(SnapshotMeta):
    request_id: str
    firm_id: str
    items: list[QueryRecord]


class SnapshotResponse(SnapshotMeta):
    request_id: str
    published_at: str | None
    firms: int
    model_version_column: str = Field(
        description="model_version, or model_kind while the warehouse has no model_version"
    )
