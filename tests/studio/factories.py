"""Studio rows made directly, for tests that are about reading them, not making them."""

import io

from django.core.files.base import ContentFile
from PIL import Image

from playground.studio.models import Generation, InputImage, Output


def png_bytes(size=(64, 40), color=(200, 80, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def finished_generation(*, owner, prompt="a lighthouse", model="kling-v2-1", kind="image"):
    generation = Generation.objects.create(
        owner=owner,
        kind=kind,
        model=model,
        mode="text",
        prompt=prompt,
        params={"aspect_ratio": "16:9"},
        status=Generation.Status.SUCCEEDED,
    )
    output = Output(generation=generation, content_type="image/png", size=100)
    output.file.save("result.png", ContentFile(png_bytes()), save=False)
    output.preview.save("preview.webp", ContentFile(png_bytes((32, 20))), save=False)
    output.save()
    reference = InputImage(generation=generation, slot="image", content_type="image/png")
    reference.file.save("ref.png", ContentFile(png_bytes()), save=False)
    reference.save()
    return generation, output, reference
