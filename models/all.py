"""Every model, imported in one place so the metadata is complete."""

from models.audit import AuditEvent, AuditHead
from models.base import Base
from models.checklist import ChecklistItem, ChecklistSection, ChecklistTemplate
from models.document import DocumentNumber
from models.finding import Finding, FindingEvent
from models.inspection import (
    Attachment,
    Blob,
    Inspection,
    InspectionChecklist,
    InspectionScope,
    ItemAnswerCount,
    ItemResult,
    Round,
    RoundEntry,
)
from models.keys import Signature, SigningKey
from models.reference import Institution, Setting, User
from models.team import InspectionPart, PartReceipt

__all__ = [
    "Attachment",
    "AuditEvent",
    "AuditHead",
    "Base",
    "Blob",
    "ChecklistItem",
    "ChecklistSection",
    "ChecklistTemplate",
    "DocumentNumber",
    "Finding",
    "FindingEvent",
    "Inspection",
    "InspectionChecklist",
    "InspectionPart",
    "InspectionScope",
    "Institution",
    "ItemAnswerCount",
    "ItemResult",
    "PartReceipt",
    "Round",
    "RoundEntry",
    "Setting",
    "Signature",
    "SigningKey",
    "User",
]
