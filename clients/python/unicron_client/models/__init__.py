"""Contains all the data models used in inputs/outputs"""

from .aborted import Aborted
from .aborted_envelope import AbortedEnvelope
from .aborted_status import AbortedStatus
from .attempt import Attempt
from .attempt_status import AttemptStatus
from .audit_entry import AuditEntry
from .audit_envelope import AuditEnvelope
from .audit_page import AuditPage
from .bulk_envelope import BulkEnvelope
from .bulk_pause_request import BulkPauseRequest
from .bulk_result import BulkResult
from .bulk_result_failed import BulkResultFailed
from .bulk_resume_request import BulkResumeRequest
from .bulk_resume_request_catchup import BulkResumeRequestCatchup
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
from .job_info_notify import JobInfoNotify
from .job_info_overlap import JobInfoOverlap
from .job_spec import JobSpec
from .job_spec_catchup import JobSpecCatchup
from .job_spec_hook_headers import JobSpecHookHeaders
from .job_spec_http_data import JobSpecHttpData
from .job_spec_http_headers import JobSpecHttpHeaders
from .job_spec_http_method import JobSpecHttpMethod
from .job_spec_notify import JobSpecNotify
from .job_spec_overlap import JobSpecOverlap
from .job_version_view import JobVersionView
from .job_view import JobView
from .job_view_state import JobViewState
from .jobs_envelope import JobsEnvelope
from .jobs_envelope_result import JobsEnvelopeResult
from .jobs_page import JobsPage
from .jobs_page_envelope import JobsPageEnvelope
from .key_request import KeyRequest
from .key_view import KeyView
from .keys_envelope import KeysEnvelope
from .new_key import NewKey
from .new_key_envelope import NewKeyEnvelope
from .page_jobs_state_type_0 import PageJobsStateType0
from .page_runs_status_type_0 import PageRunsStatusType0
from .page_runs_trigger_type_0 import PageRunsTriggerType0
from .patch_job_patch import PatchJobPatch
from .pause import Pause
from .pause_request import PauseRequest
from .resume_request import ResumeRequest
from .resume_request_catchup import ResumeRequestCatchup
from .retry_backoff import RetryBackoff
from .run_envelope import RunEnvelope
from .run_request import RunRequest
from .run_result import RunResult
from .run_result_notifications import RunResultNotifications
from .run_result_status import RunResultStatus
from .run_result_trigger import RunResultTrigger
from .run_started import RunStarted
from .run_started_envelope import RunStartedEnvelope
from .runs_envelope import RunsEnvelope
from .runs_page import RunsPage
from .runs_page_envelope import RunsPageEnvelope
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
from .task_spec_notify import TaskSpecNotify
from .task_status import TaskStatus
from .task_view import TaskView
from .text_envelope import TextEnvelope
from .upserted_envelope import UpsertedEnvelope
from .upserted_job import UpsertedJob
from .upserted_job_outcome import UpsertedJobOutcome
from .upserted_job_state import UpsertedJobState
from .versions_envelope import VersionsEnvelope

__all__ = (
    "Aborted",
    "AbortedEnvelope",
    "AbortedStatus",
    "Attempt",
    "AttemptStatus",
    "AuditEntry",
    "AuditEnvelope",
    "AuditPage",
    "BulkEnvelope",
    "BulkPauseRequest",
    "BulkResult",
    "BulkResultFailed",
    "BulkResumeRequest",
    "BulkResumeRequestCatchup",
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
    "JobInfoNotify",
    "JobInfoOverlap",
    "JobsEnvelope",
    "JobsEnvelopeResult",
    "JobsPage",
    "JobsPageEnvelope",
    "JobSpec",
    "JobSpecCatchup",
    "JobSpecHookHeaders",
    "JobSpecHttpData",
    "JobSpecHttpHeaders",
    "JobSpecHttpMethod",
    "JobSpecNotify",
    "JobSpecOverlap",
    "JobVersionView",
    "JobView",
    "JobViewState",
    "KeyRequest",
    "KeysEnvelope",
    "KeyView",
    "NewKey",
    "NewKeyEnvelope",
    "PageJobsStateType0",
    "PageRunsStatusType0",
    "PageRunsTriggerType0",
    "PatchJobPatch",
    "Pause",
    "PauseRequest",
    "ResumeRequest",
    "ResumeRequestCatchup",
    "RetryBackoff",
    "RunEnvelope",
    "RunRequest",
    "RunResult",
    "RunResultNotifications",
    "RunResultStatus",
    "RunResultTrigger",
    "RunsEnvelope",
    "RunsPage",
    "RunsPageEnvelope",
    "RunStarted",
    "RunStartedEnvelope",
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
    "TaskSpecNotify",
    "TaskStatus",
    "TaskView",
    "TextEnvelope",
    "UpsertedEnvelope",
    "UpsertedJob",
    "UpsertedJobOutcome",
    "UpsertedJobState",
    "VersionsEnvelope",
)
