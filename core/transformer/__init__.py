"""§7.7 Transformers: hand attention and masks, a tiny GPT, sampling, training, measurements."""
