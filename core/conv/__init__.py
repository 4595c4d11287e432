"""Convolution and upsampling (notes §2–3), one concept per module:

- `ops`: correlation / convolution (stride, zero or reflect padding, dilation, groups), the
  transposed convolution as stamps, max/avg pooling with argmax, max unpooling, nearest,
  bed-of-nails and bilinear upsampling, all in plain tensor code;
- `toeplitz`: the 1-D Toeplitz and 2-D doubly block Toeplitz matrices of a convolution;
- `backprop`: delta^(ℓ-1) = delta^(ℓ) ⋆ W and dL/dW by convolutions (§2.2);
- `arithmetic`: output sizes, parameter counts, receptive fields;
- `kernels`: the kernel preset registry;
- `unet`: a small U-Net and its no-skip ablation on a toy MNIST segmentation task (§3.2);
- `figures`: pure plotly figures for the page.
"""
