"""mvlang: compile a `.mvs` script into a music video.

The library is the product; the command line (`mvlang.cli`) and the language
server are thin layers over it. Importing this package stays light: nothing
here pulls in numpy, torch or librosa.
"""

__version__ = "0.1.0"
LANGUAGE_VERSION = 1
