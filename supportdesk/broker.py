"""The embedded broker: kombu's filesystem transport, with messages published atomically.

kombu creates a message file and then writes it; a consumer polling the folder
can take the file in between, read an empty body and drop the message (kombu
issue #1551). Writing to a hidden temporary name and renaming it into place
makes a message appear whole or not at all.
"""

import os
import uuid
from time import monotonic

from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        # A leading dot and a suffix: `_get` only takes names ending in ".<queue>.msg".
        temporary = os.path.join(self.data_folder_out, f".{name}.tmp")
        with open(temporary, "wb") as message:
            message.write(str_to_bytes(dumps(payload)))
        os.replace(temporary, os.path.join(self.data_folder_out, name))


class Transport(filesystem.Transport):
    Channel = Channel
