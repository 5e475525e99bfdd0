"""Contains all the data models used in inputs/outputs"""

from .command_output import CommandOutput
from .deleted_envelope import DeletedEnvelope
from .error_envelope import ErrorEnvelope
from .field_errors import FieldErrors
from .fire_time import FireTime
from .http_output import HttpOutput
from .job_envelope import JobEnvelope
from .job_id_envelope import JobIdEnvelope
from .job_info import JobInfo
from .job_info_catchup import JobInfoCatchup
from .job_info_hook_headers import JobInfoHookHeaders
from .job_info_http_data import JobInfoHttpData
from .job_info_http_headers import JobInfoHttpHeaders
from .job_info_http_method import JobInfoHttpMethod
from .job_spec import JobSpec
from .job_spec_catchup import JobSpecCatchup
from .job_spec_hook_headers import JobSpecHookHeaders
from .job_spec_http_data import JobSpecHttpData
from .job_spec_http_headers import JobSpecHttpHeaders
from .job_spec_http_method import JobSpecHttpMethod
from .job_view import JobView
from .jobs_envelope import JobsEnvelope
from .jobs_envelope_result import JobsEnvelopeResult
from .key_request import KeyRequest
from .key_view import KeyView
from .keys_envelope import KeysEnvelope
from .new_key import NewKey
from .new_key_envelope import NewKeyEnvelope
from .run_result import RunResult
from .run_result_notifications import RunResultNotifications
from .runs_envelope import RunsEnvelope
from .schedule_preview import SchedulePreview
from .schedule_times import ScheduleTimes
from .schedule_times_envelope import ScheduleTimesEnvelope
from .scope import Scope
from .task_envelope import TaskEnvelope
from .task_id_envelope import TaskIdEnvelope
from .task_spec import TaskSpec
from .task_spec_hook_headers import TaskSpecHookHeaders
from .task_spec_http_data import TaskSpecHttpData
from .task_spec_http_headers import TaskSpecHttpHeaders
from .task_spec_http_method import TaskSpecHttpMethod
from .task_status import TaskStatus
from .task_view import TaskView
from .text_envelope import TextEnvelope

__all__ = (
    "CommandOutput",
    "DeletedEnvelope",
    "ErrorEnvelope",
    "FieldErrors",
    "FireTime",
    "HttpOutput",
    "JobEnvelope",
    "JobIdEnvelope",
    "JobInfo",
    "JobInfoCatchup",
    "JobInfoHookHeaders",
    "JobInfoHttpData",
    "JobInfoHttpHeaders",
    "JobInfoHttpMethod",
    "JobsEnvelope",
    "JobsEnvelopeResult",
    "JobSpec",
    "JobSpecCatchup",
    "JobSpecHookHeaders",
    "JobSpecHttpData",
    "JobSpecHttpHeaders",
    "JobSpecHttpMethod",
    "JobView",
    "KeyRequest",
    "KeysEnvelope",
    "KeyView",
    "NewKey",
    "NewKeyEnvelope",
    "RunResult",
    "RunResultNotifications",
    "RunsEnvelope",
    "SchedulePreview",
    "ScheduleTimes",
    "ScheduleTimesEnvelope",
    "Scope",
    "TaskEnvelope",
    "TaskIdEnvelope",
    "TaskSpec",
    "TaskSpecHookHeaders",
    "TaskSpecHttpData",
    "TaskSpecHttpHeaders",
    "TaskSpecHttpMethod",
    "TaskStatus",
    "TaskView",
    "TextEnvelope",
)
