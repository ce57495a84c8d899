#!/usr/bin/python3
"""color.py: profiled photos for the colour-management tests, made and
measured with Pillow's ImageCms (Little CMS, but none of the CLI's code).

  color.py adobe IN OUT   IN (an sRGB photo) converted to Adobe RGB (1998),
                          the profile embedded; OUT's extension picks PNG,
                          JPEG (quality 98) or TIFF
  color.py delta A B      prints the mean and largest colour difference
                          (CIE76 dE, of 8 x 8 block means) between A and B,
                          each taken to sRGB through its embedded profile
  color.py profile FILE   prints the description of FILE's embedded profile
                          (nothing when it has none)
"""
import io
import sys

import numpy
from PIL import Image, ImageCms

ADOBE = '/usr/share/color/icc/compatibleWithAdobeRGB1998.icc'


def to_srgb(path):
    image = Image.open(path)
    image.load()
    icc = image.info.get('icc_profile')
    image = image.convert('RGB')
    if icc:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        image = ImageCms.profileToProfile(image, source, ImageCms.createProfile('sRGB'),
                                          renderingIntent=ImageCms.Intent.PERCEPTUAL)
    return numpy.asarray(image, dtype=numpy.float64) / 255.0


def lab(rgb):
    """sRGB 0..1 -> CIE L*a*b* (D65)."""
    linear = numpy.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    m = numpy.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                     [0.0193, 0.1192, 0.9505]])
    xyz = linear @ m.T / numpy.array([0.95047, 1.0, 1.08883])
    f = numpy.where(xyz > (6 / 29) ** 3, numpy.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return numpy.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]),
                        200 * (f[..., 1] - f[..., 2])], axis=-1)


def block_means(image, size=8):
    h, w = (image.shape[0] // size) * size, (image.shape[1] // size) * size
    blocks = image[:h, :w].reshape(h // size, size, w // size, size, 3)
    return blocks.mean(axis=(1, 3))


def main():
    if len(sys.argv) == 4 and sys.argv[1] == 'adobe':
        image = Image.open(sys.argv[2]).convert('RGB')
        adobe = ImageCms.getOpenProfile(ADOBE)
        converted = ImageCms.profileToProfile(image, ImageCms.createProfile('sRGB'), adobe,
                                              renderingIntent=ImageCms.Intent.PERCEPTUAL)
        options = {'icc_profile': adobe.tobytes()}
        if sys.argv[3].lower().endswith(('.jpg', '.jpeg')):
            options['quality'] = 98
        converted.save(sys.argv[3], **options)
        return 0
    if len(sys.argv) == 4 and sys.argv[1] == 'delta':
        a, b = to_srgb(sys.argv[2]), to_srgb(sys.argv[3])
        if a.shape != b.shape:
            print('sizes differ', file=sys.stderr)
            return 2
        d = numpy.linalg.norm(block_means(lab(a)) - block_means(lab(b)), axis=-1)
        print('%.2f %.2f' % (d.mean(), d.max()))
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == 'profile':
        icc = Image.open(sys.argv[2]).info.get('icc_profile')
        if icc:
            print(ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc))).strip())
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main())
