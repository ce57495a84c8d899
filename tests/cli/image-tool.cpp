// image-tool: makes and inspects the images the CLI tests need.
//
//   image-tool make IN OUT [WIDTHxHEIGHT] [16bit] [alpha]
//       IN resized (area), as 16 bits, with an alpha that varies by pixel
//   image-tool info FILE          prints "WIDTHxHEIGHT CHANNELSch DEPTHbit"
//   image-tool same-alpha A B     exit 0 if A's and B's alpha are equal
//   image-tool changed A B MIN    exit 0 if the colours differ by more than
//                                 MIN (mean absolute difference, 0..1), 1 if
//                                 not, 2 if A and B differ in size
//   image-tool psnr A B           prints the colours' PSNR in dB (0..1
//                                 full scale), exit 2 if sizes differ
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cstdio>
#include <cstring>
#include <string>

namespace {

double
full_scale (const cv::Mat &m)
{
  return m.depth () == CV_16U ? 65535.0 : m.depth () == CV_8U ? 255.0 : 1.0;
}

cv::Mat
read (const char *path)
{
  cv::Mat m = cv::imread (path, cv::IMREAD_UNCHANGED);
  if (m.empty ())
    {
      fprintf (stderr, "image-tool: cannot read %s\n", path);
      exit (2);
    }
  return m;
}

cv::Mat
add_varying_alpha (const cv::Mat &bgr)
{
  cv::Mat bgra;
  cv::cvtColor (bgr, bgra, cv::COLOR_BGR2BGRA);
  const double top = full_scale (bgra);
  for (int y = 0; y < bgra.rows; y++)
    for (int x = 0; x < bgra.cols; x++)
      {
        const double a = ((x * 7 + y * 3) % 256) / 255.0 * top;
        if (bgra.depth () == CV_16U)
          bgra.at<cv::Vec4w> (y, x)[3] = (ushort) a;
        else
          bgra.at<cv::Vec4b> (y, x)[3] = (uchar) a;
      }
  return bgra;
}

int
make (int argc, char **argv)
{
  cv::Mat m = cv::imread (argv[2], cv::IMREAD_COLOR);
  int width = 0, height = 0;
  for (int i = 4; i < argc; i++)
    {
      if (sscanf (argv[i], "%dx%d", &width, &height) == 2)
        cv::resize (m, m, cv::Size (width, height), 0, 0, cv::INTER_AREA);
      else if (!strcmp (argv[i], "16bit"))
        m.convertTo (m, CV_16U, 257.0);
      else if (!strcmp (argv[i], "alpha"))
        m = add_varying_alpha (m);
    }
  return cv::imwrite (argv[3], m) ? 0 : 1;
}

cv::Mat
colour_of (const cv::Mat &m)
{
  cv::Mat f, bgr;
  m.convertTo (f, CV_32F, 1.0 / full_scale (m));
  if (f.channels () == 4)
    cv::cvtColor (f, bgr, cv::COLOR_BGRA2BGR);
  else if (f.channels () == 1)
    cv::cvtColor (f, bgr, cv::COLOR_GRAY2BGR);
  else
    bgr = f;
  return bgr;
}

} // namespace

int
main (int argc, char **argv)
{
  const std::string command = argc > 1 ? argv[1] : "";

  if (command == "make" && argc >= 4)
    return make (argc, argv);
  if (command == "info" && argc == 3)
    {
      const cv::Mat m = read (argv[2]);
      printf ("%dx%d %dch %dbit\n", m.cols, m.rows, m.channels (),
              m.depth () == CV_16U ? 16 : m.depth () == CV_8U ? 8 : 32);
      return 0;
    }
  if (command == "same-alpha" && argc == 4)
    {
      const cv::Mat a = read (argv[2]), b = read (argv[3]);
      if (a.channels () != 4 || b.channels () != 4 || a.size () != b.size ())
        return 1;
      cv::Mat alpha_a, alpha_b;
      cv::extractChannel (a, alpha_a, 3);
      cv::extractChannel (b, alpha_b, 3);
      return cv::norm (alpha_a, alpha_b, cv::NORM_INF) == 0 ? 0 : 1;
    }
  if (command == "changed" && argc == 5)
    {
      const cv::Mat a = colour_of (read (argv[2])), b = colour_of (read (argv[3]));
      if (a.size () != b.size ())
        {
          fprintf (stderr, "image-tool: %s and %s differ in size\n", argv[2], argv[3]);
          return 2;
        }
      const double change = cv::norm (a, b, cv::NORM_L1) / (a.total () * 3);
      printf ("%.4f\n", change);
      return change > atof (argv[4]) ? 0 : 1;
    }
  if (command == "psnr" && argc == 4)
    {
      const cv::Mat a = colour_of (read (argv[2])), b = colour_of (read (argv[3]));
      if (a.size () != b.size ())
        {
          fprintf (stderr, "image-tool: %s and %s differ in size\n", argv[2], argv[3]);
          return 2;
        }
      printf ("%.2f\n", cv::PSNR (a, b, 1.0));
      return 0;
    }
  fprintf (stderr, "usage: image-tool make|info|same-alpha|changed|psnr ...\n");
  return 2;
}
