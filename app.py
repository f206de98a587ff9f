"""Hugging Face Space entry point: the studio, on the address and port the Space gives.

Locally, use ``python launch.py`` instead (127.0.0.1:7860 and the CLI's options).
"""

from studio.app import launch

if __name__ == "__main__":
    # None: Gradio reads GRADIO_SERVER_NAME / GRADIO_SERVER_PORT, which Spaces sets.
    launch(host=None, port=None)
