"""An upload handler that spools uploaded files inside the data directory (MEDIA_ROOT/documents/tmp),
not the system's temporary folder: nothing a user sends is written outside the data directory."""

from __future__ import annotations

import tempfile

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

from . import conf


class SpooledUpload(UploadedFile):
    def __init__(self, name, content_type, size, charset, content_type_extra=None):
        root = conf.storage_root() / "tmp"
        root.mkdir(parents=True, exist_ok=True)
        file = tempfile.NamedTemporaryFile(dir=root, prefix="in-", suffix=".upload")
        super().__init__(file, name, content_type, size, charset, content_type_extra)

    def temporary_file_path(self):
        return self.file.name

    def close(self):
        try:
            return self.file.close()
        except FileNotFoundError:
            pass


class StoreUploadHandler(FileUploadHandler):
    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.file = SpooledUpload(self.file_name, self.content_type, 0, self.charset, self.content_type_extra)

    def receive_data_chunk(self, raw_data, start):
        self.file.write(raw_data)

    def file_complete(self, file_size):
        self.file.seek(0)
        self.file.size = file_size
        return self.file

    def upload_interrupted(self):
        if hasattr(self, "file"):
            self.file.close()
