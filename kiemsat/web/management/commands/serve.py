from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Chạy phần mềm (máy chủ waitress) tại http://HOST:PORT"

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-worker", action="store_true", help="không chạy việc đọc chữ tài liệu ở nền")

    def handle(self, host, port, threads, no_worker=False, **opts):
        from waitress import serve

        from kiemsat.wsgi import application

        if not no_worker:  # text extraction / OCR of uploaded documents, in the background
            from kiemsat.documents.worker import start_thread

            start_thread()

        self.stdout.write(f"kiemsat đang chạy tại http://{host}:{port}/  (Ctrl+C để dừng)")
        serve(application, host=host, port=port, threads=threads, ident="kiemsat")
