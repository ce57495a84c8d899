#!/usr/bin/python3
"""The seed pipeline the CLI is measured against: one OpenCV DNN forward of
the whole image, as in the fast-style-transfer article (rgb255 models).

usage: seed.py MODEL.onnx IN OUT
"""
import sys

import cv2
import numpy as np


def main(model, src, dest):
    img = cv2.imread(src)
    h, w = img.shape[:2]
    # NCHW, RGB, 0..255, resized to a multiple of 4
    blob = cv2.dnn.blobFromImage(img, 1.0, (w // 4 * 4, h // 4 * 4), swapRB=True)
    net = cv2.dnn.readNetFromONNX(model)
    net.setInput(blob)
    out = net.forward()[0]
    rgb = np.clip(out.transpose(1, 2, 0), 0, 255).astype(np.uint8)
    cv2.imwrite(dest, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))


if __name__ == "__main__":
    main(*sys.argv[1:4])
