"""Reconstructable job for tests that run it in subprocesses (multiprocess executor)."""


def full_pipeline_job():
    from pipelines.definitions import defs

    return defs.resolve_job_def("full_pipeline")
