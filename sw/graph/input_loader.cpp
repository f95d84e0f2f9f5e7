#include "sw/graph/input_loader.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include <boost/gil.hpp>
#include <boost/gil/extension/io/jpeg.hpp>
#include <boost/gil/extension/io/png.hpp>

#include "sw/common/error.h"
#include "sw/io/npy.h"

namespace fs = std::filesystem;

namespace sx {

namespace {

std::string dims_text(const std::vector<int64_t>& d) {
    std::string s;
    for (std::size_t i = 0; i < d.size(); ++i) s += (i ? "x" : "") + std::to_string(d[i]);
    return s;
}

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// Largest decoded image: 2^25 pixels (32 Mi: 384 MiB as float RGB planes plus 96 MiB decoded).
constexpr int64_t kMaxImagePixels = int64_t{1} << 25;

// Width x height from the file's header (no pixel data decoded).
template <typename Tag>
int64_t header_pixels(const std::string& path, Tag tag) {
    const auto info = boost::gil::read_image_info(path, tag)._info;
    return static_cast<int64_t>(info._width) * static_cast<int64_t>(info._height);
}

Tensor load_npy_input(const std::string& path, const std::vector<int64_t>& dims) {
    NdArray a = read_npy(path);
    const std::vector<int64_t> without_batch(dims.begin() + 1, dims.end());
    if (a.shape != dims && a.shape != without_batch)
        throw InputError(path, "shape", "the graph input's " + dims_text(without_batch) + " (or " + dims_text(dims) + ")",
                         a.shape.empty() ? "a scalar" : dims_text(a.shape));
    return Tensor(dims, std::move(a.data));
}

Tensor load_image_input(const std::string& path, const std::string& ext, const std::vector<int64_t>& dims, Normalize norm) {
    namespace gil = boost::gil;
    if (dims.size() != 4 || (dims[1] != 3 && dims[1] != 1))
        throw InputError(path, "image", "a graph input of 1 x 3 x H x W or 1 x 1 x H x W for images",
                         "graph input " + dims_text(dims) + " (give .npy tensors instead)");
    gil::rgb8_image_t img;
    try {
        // The header first: a file of a few dozen bytes can declare 65535 x 65535 pixels, which
        // decoded would be 12 GiB of RGB (and 4x that as floats below).
        const int64_t hw = ext == ".png" ? header_pixels(path, gil::png_tag{}) : header_pixels(path, gil::jpeg_tag{});
        if (hw > kMaxImagePixels)
            throw InputError(path, "image", "at most " + std::to_string(kMaxImagePixels) +
                             " pixels (e.g. 8192 x 4096; inputs are resized to the model's H x W anyway)",
                             std::to_string(hw) + " pixels");
        if (ext == ".png") gil::read_and_convert_image(path, img, gil::png_tag{});
        else gil::read_and_convert_image(path, img, gil::jpeg_tag{});
    } catch (const InputError&) {
        throw;
    } catch (const std::exception& e) {
        throw InputError(path, "image", std::string("a readable ") + (ext == ".png" ? "PNG" : "JPEG") + " image", e.what());
    }
    const int64_t H = img.height(), W = img.width();
    if (H < 1 || W < 1) throw InputError(path, "image", "a non-empty image", "0 pixels");
    std::vector<float> planar(static_cast<std::size_t>(3 * H * W));
    const auto v = gil::const_view(img);
    for (int64_t y = 0; y < H; ++y)
        for (int64_t x = 0; x < W; ++x) {
            const auto p = v(static_cast<std::ptrdiff_t>(x), static_cast<std::ptrdiff_t>(y));
            for (int c = 0; c < 3; ++c) planar[(c * H + y) * W + x] = static_cast<float>(p[c]) / 255.0f;
        }
    const int64_t C = dims[1];
    if (C == 1) {  // ITU-R BT.601 luma
        std::vector<float> grey(static_cast<std::size_t>(H * W));
        for (int64_t i = 0; i < H * W; ++i)
            grey[i] = 0.299f * planar[i] + 0.587f * planar[H * W + i] + 0.114f * planar[2 * H * W + i];
        planar = std::move(grey);
    }
    Tensor t(dims, resize_bilinear(planar, C, H, W, dims[2], dims[3]));
    if (norm == Normalize::ImageNet) {
        static const float mean[3] = {0.485f, 0.456f, 0.406f}, stdev[3] = {0.229f, 0.224f, 0.225f};
        const int64_t plane = dims[2] * dims[3];
        for (int64_t c = 0; c < C; ++c)
            for (int64_t i = 0; i < plane; ++i) {
                float& x = t.data[c * plane + i];
                x = (x - mean[C == 1 ? 0 : c]) / stdev[C == 1 ? 0 : c];
            }
    }
    return t;
}

}  // namespace

std::vector<float> resize_bilinear(const std::vector<float>& src, int64_t C, int64_t H, int64_t W, int64_t oh, int64_t ow) {
    std::vector<float> out(static_cast<std::size_t>(C * oh * ow));
    auto coord = [](int64_t o, int64_t in, int64_t out_n, int64_t& i0, int64_t& i1, float& f) {
        double x = (o + 0.5) * static_cast<double>(in) / static_cast<double>(out_n) - 0.5;
        x = std::max(x, 0.0);
        i0 = std::min<int64_t>(static_cast<int64_t>(std::floor(x)), in - 1);
        i1 = std::min<int64_t>(i0 + 1, in - 1);
        f = static_cast<float>(x - static_cast<double>(i0));
    };
    for (int64_t y = 0; y < oh; ++y) {
        int64_t y0, y1;
        float fy;
        coord(y, H, oh, y0, y1, fy);
        for (int64_t x = 0; x < ow; ++x) {
            int64_t x0, x1;
            float fx;
            coord(x, W, ow, x0, x1, fx);
            for (int64_t c = 0; c < C; ++c) {
                const float* p = src.data() + c * H * W;
                const float top = p[y0 * W + x0] * (1 - fx) + p[y0 * W + x1] * fx;
                const float bot = p[y1 * W + x0] * (1 - fx) + p[y1 * W + x1] * fx;
                out[(c * oh + y) * ow + x] = top * (1 - fy) + bot * fy;
            }
        }
    }
    return out;
}

std::vector<InputSample> load_inputs(const std::string& dir, const std::vector<int64_t>& dims, Normalize norm,
                                     std::vector<std::string>* warnings) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        throw InputError(dir, "--inputs", "a directory of input files (*.npy, *.png, *.jpg)",
                         fs::exists(dir, ec) ? "not a directory" : "no such directory");
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir, ec)) files.push_back(e.path());
    if (ec) throw InputError(dir, "--inputs", "a readable directory", ec.message());
    std::sort(files.begin(), files.end());
    std::vector<InputSample> out;
    std::map<std::string, std::string> stems;
    for (const auto& p : files) {
        const std::string ext = lower(p.extension().string());
        if (ext != ".npy" && ext != ".png" && ext != ".jpg" && ext != ".jpeg") {
            if (warnings) warnings->push_back("skipped " + p.string() + " (not .npy, .png, .jpg or .jpeg)");
            continue;
        }
        if (!fs::is_regular_file(p, ec)) throw InputError(p.string(), "--inputs", "a regular file", "not a regular file");
        InputSample s;
        s.stem = p.stem().string();
        s.file = p.string();
        if (stems.count(s.stem))
            throw InputError(s.file, "stem", "one input file per stem (outputs are named <stem>.npy)",
                             "also " + stems[s.stem]);
        stems[s.stem] = s.file;
        s.tensor = ext == ".npy" ? load_npy_input(s.file, dims) : load_image_input(s.file, ext, dims, norm);
        out.push_back(std::move(s));
    }
    if (out.empty()) throw InputError(dir, "--inputs", "at least one *.npy, *.png, *.jpg or *.jpeg file", "none");
    return out;
}

}  // namespace sx
