"""Run Ralph's LRS (``ralph.api:app``) under uvicorn on 127.0.0.1:PORT with its file-system backend.

One setting differs from Ralph's defaults: its file-system data backend *creates* its file on
each write and refuses when the file exists (it was written for one-off exports), so as an LRS
it takes only the first POST after it starts. Here it *appends* (Ralph's own
``BaseOperationType.APPEND``), which makes it behave as a store across many POSTs and restarts.
Everything an LRS does (authentication, validation, ids, conflicts, queries) is Ralph's code.
"""
import sys

import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND

if __name__ == "__main__":
    from ralph.api import app

    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
