"""Error codes of the bank service: a machine code, an HTTP status and the Chinese message bank
staff read."""

from __future__ import annotations

# code -> (HTTP status, message)
ERRORS: dict[str, tuple[int, str]] = {
    "missing_key": (401, "缺少API密钥（请在请求头 X-API-Key 中提供）"),
    "invalid_key": (401, "API密钥无效"),
    "key_revoked": (401, "API密钥已吊销或已轮换，请使用新密钥"),
    "key_expired": (401, "API密钥已过期"),
    "forbidden_role": (403, "该密钥无权访问此接口"),
    "no_consent": (403, "该企业未授权本机构查询"),
    "consent_expired": (403, "该企业的查询授权不在有效期内"),
    "consent_revoked": (403, "该企业已撤销对本机构的查询授权"),
    "consent_wrong_purpose": (403, "该企业的授权不包含此查询用途"),
    "not_own_firm": (403, "只能查询本企业的记录"),
    "invalid_uscc": (400, "统一社会信用代码格式错误或校验位不正确"),
    "unknown_firm": (404, "未找到该企业"),
    "month_not_scored": (404, "该企业在所选月份没有健康评价"),
    "unknown_consent": (404, "未找到该授权记录"),
    "unknown_bank": (404, "未找到该金融机构"),
    "data_insufficient": (422, "该企业数据不足，暂无健康评价"),
    "bad_parameter": (422, "请求参数错误"),
    "batch_too_large": (413, "批量查询最多1000家企业"),
    "not_found": (404, "接口不存在"),
    "method_not_allowed": (405, "不支持该请求方法"),
    "internal_error": (500, "服务内部错误"),
    "rate_limited": (429, "请求过于频繁，请稍后重试"),
    "snapshot_unavailable": (503, "数据快照尚未发布，请稍后重试"),
    "audit_unavailable": (503, "审计日志暂不可写，为保证留痕本次查询未执行，请稍后重试"),
}


class ApiError(Exception):
    """An error answered as ``{"error": {"code", "message", "detail"}}`` with its status."""

    def __init__(
        self,
        code: str,
        detail: str | None = None,
        headers: dict[str, str] | None = None,
        message: str | None = None,
    ) -> None:
        status, default = ERRORS[code]
        super().__init__(code)
        self.code = code
        self.status = status
        self.message = message or default
        self.detail = detail
        self.headers = headers or {}
