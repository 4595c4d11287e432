"""Views of the §2–3 Convolution and Upsampling page (pages/02_... is their table of contents)."""
