#include "exporters/flame/svg_writer.h"

#include <cstdio>
#include <string_view>

#include "exporters/flame/flame_colors.h"
#include "exporters/flame/flame_tree.h"
#include "exporters/flame/frame_names.h"
#include "exporters/flame/profile_checks.h"
#include "exporters/flame/svg_script.h"
#include "exporters/flame/text_escape.h"

namespace agentprof::flame {
namespace {

constexpr double kPadX = 10;
constexpr double kHeaderHeight = 66;  // title, subtitle, buttons, legend
constexpr double kFooterHeight = 28;  // hover details, search result
constexpr double kCharWidth = 6.7;    // monospace 11px; must match CHAR_W in svg_script.h

std::string fixed(double value, int decimals = 2) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

std::string percent(uint64_t part, uint64_t whole) {
  return whole == 0 ? "0.00%" : fixed(100.0 * static_cast<double>(part) / static_cast<double>(whole)) + "%";
}

// Label drawn inside a box: truncated with ".." to its width, empty when under 3 characters fit.
std::string fit_label(std::string_view name, double width) {
  const double fit = (width - 6) / kCharWidth;
  if (fit < 3) return {};
  const auto max_chars = static_cast<size_t>(fit);
  if (name.size() <= max_chars) return std::string(name);
  // Cut on a UTF-8 boundary so the label stays valid text.
  size_t cut = max_chars - 2;
  while (cut > 0 && (static_cast<uint8_t>(name[cut]) & 0xC0) == 0x80) --cut;
  return std::string(name.substr(0, cut)) + "..";
}

// Tooltip text; its first line is the full name (the script reads it back for labels and search).
std::string tooltip(const FlameTree& tree, const FlameNode& node) {
  std::string text(tree.name(node));
  if (node.kind == FlameNodeKind::kFrame) {
    const Frame& frame = tree.frames().merged_frame(node.merged_frame);
    if (!frame.module.empty()) text += "\nmodule: " + frame.module;
    if (!frame.file.empty()) text += "\nfile: " + frame.file;
    text += "\nkind: ";
    text += kind_name(frame.kind);
  } else if (node.kind == FlameNodeKind::kProcess) {
    text += "\nprocess";
  }
  text += "\nsamples: " + std::to_string(node.total) + " (" + percent(node.total, tree.total()) + ")";
  if (node.self != 0) text += "\nself: " + std::to_string(node.self) + " (" + percent(node.self, tree.total()) + ")";
  return text;
}

ColorFamily family_of(const FlameTree& tree, const FlameNode& node) {
  switch (node.kind) {
    case FlameNodeKind::kRoot: return ColorFamily::kRoot;
    case FlameNodeKind::kProcess: return ColorFamily::kProcess;
    case FlameNodeKind::kFrame: break;
  }
  return color_family(tree.frames().merged_frame(node.merged_frame).kind);
}

// Visible boxes in drawing order (parents before children), and the deepest visible depth.
std::vector<uint32_t> visible_nodes(const FlameTree& tree, double min_samples, uint32_t& max_depth) {
  std::vector<uint32_t> visible, stack{0};
  max_depth = 0;
  const auto& nodes = tree.nodes();
  while (!stack.empty()) {
    const uint32_t id = stack.back();
    stack.pop_back();
    if (static_cast<double>(nodes[id].total) < min_samples) continue;
    visible.push_back(id);
    max_depth = std::max(max_depth, nodes[id].depth);
    for (auto it = nodes[id].children.rbegin(); it != nodes[id].children.rend(); ++it) stack.push_back(*it);
  }
  return visible;
}

void append_header(std::string& out, const Profile& profile, const SvgOptions& options,
                   uint64_t total, double height) {
  const std::string width = std::to_string(options.width_px);
  out += "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n";
  out += "<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" + width +
         "\" height=\"" + fixed(height, 0) + "\" viewBox=\"0 0 " + width + " " + fixed(height, 0) +
         "\" data-total=\"" + std::to_string(total) + "\" data-xpad=\"" + fixed(kPadX, 0) +
         "\" data-plotw=\"" + fixed(options.width_px - 2 * kPadX, 0) + "\">\n";
  out += "<style>";
  out += kSvgStyle;
  out += "</style>\n<script type=\"text/ecmascript\"><![CDATA[";
  out += kSvgScript;
  out += "]]></script>\n";
  out += "<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"#f7f7f4\"/>\n";
  out += "<text id=\"title\" x=\"" + fixed(options.width_px / 2.0, 0) + "\" y=\"22\" text-anchor=\"middle\">";
  append_xml_escaped(out, options.title);
  out += "</text>\n";

  std::string subtitle = std::to_string(total) + " samples";
  if (profile.frequency_hz != 0) subtitle += " at " + std::to_string(profile.frequency_hz) + " Hz";
  if (profile.duration_ns != 0) subtitle += " over " + fixed(static_cast<double>(profile.duration_ns) / 1e9) + " s";
  if (profile.lost_samples != 0) subtitle += ", " + std::to_string(profile.lost_samples) + " samples lost";
  out += "<text id=\"subtitle\" x=\"" + fixed(options.width_px / 2.0, 0) + "\" y=\"40\" text-anchor=\"middle\">";
  append_xml_escaped(out, subtitle);
  out += "</text>\n";

  out += "<text id=\"reset\" class=\"btn\" x=\"" + fixed(kPadX, 0) + "\" y=\"22\" style=\"display:none\">Reset zoom</text>\n";
  out += "<text id=\"search\" class=\"btn\" x=\"" + fixed(options.width_px - kPadX, 0) +
         "\" y=\"22\" text-anchor=\"end\">Search</text>\n";
  out += "<text id=\"clear\" class=\"btn\" x=\"" + fixed(options.width_px - kPadX - 60, 0) +
         "\" y=\"22\" text-anchor=\"end\" style=\"display:none\">Clear</text>\n";

  // Legend: one swatch per color family.
  struct Entry { ColorFamily family; const char* label; };
  static constexpr Entry kLegend[] = {{ColorFamily::kNative, "native"},   {ColorFamily::kKernel, "kernel"},
                                      {ColorFamily::kPython, "python"},   {ColorFamily::kJit, "JIT"},
                                      {ColorFamily::kUnknown, "unknown"}, {ColorFamily::kProcess, "process"}};
  double x = kPadX;
  for (const Entry& e : kLegend) {
    out += "<rect x=\"" + fixed(x, 0) + "\" y=\"48\" width=\"12\" height=\"12\" fill=\"" +
           box_color(e.family, e.label) + "\"/><text class=\"legend\" x=\"" + fixed(x + 16, 0) +
           "\" y=\"58\">" + e.label + "</text>\n";
    x += 90;
  }
}

void append_box(std::string& out, const FlameTree& tree, const FlameNode& node, double x, double y,
                double w, double h) {
  out += "<g class=\"f\" data-s=\"" + std::to_string(node.offset) + "\" data-n=\"" +
         std::to_string(node.total) + "\" data-d=\"" + std::to_string(node.depth) + "\"><title>";
  append_xml_escaped(out, tooltip(tree, node));
  const std::string_view name = tree.name(node);
  out += "</title><rect x=\"" + fixed(x) + "\" y=\"" + fixed(y, 0) + "\" width=\"" + fixed(w) +
         "\" height=\"" + fixed(h - 1, 0) + "\" rx=\"2\" fill=\"" + box_color(family_of(tree, node), name) +
         "\"/><text x=\"" + fixed(x + 3) + "\" y=\"" + fixed(y + h - 5, 0) + "\">";
  append_xml_escaped(out, fit_label(name, w));
  out += "</text></g>\n";
}

}  // namespace

bool render_svg(const Profile& profile, const SvgOptions& options, std::string& out, std::string& error) {
  out.clear();
  if (options.width_px < 100 || options.width_px > 100000 || options.frame_height_px < 4 ||
      options.frame_height_px > 200) {
    error = "svg: width must be 100..100000 px and frame height 4..200 px";
    return false;
  }
  uint64_t total = 0;
  if (!total_sample_count(profile, total, error)) return false;

  const FlameTree tree(profile);
  const double plot_width = options.width_px - 2 * kPadX;
  const double fh = options.frame_height_px;
  // A box is drawn when it is at least min_frame_width_px wide: that many samples.
  const double min_samples =
      total == 0 ? 1 : std::max(1e-9, options.min_frame_width_px) * static_cast<double>(total) / plot_width;
  uint32_t max_depth = 0;
  const std::vector<uint32_t> visible = total == 0 ? std::vector<uint32_t>{} : visible_nodes(tree, min_samples, max_depth);
  const double rows = total == 0 ? 1 : max_depth + 1;
  const double height = kHeaderHeight + rows * fh + kFooterHeight;

  out.reserve(32768 + visible.size() * 320);
  append_header(out, profile, options, total, height);
  out += "<g id=\"frames\">\n";
  for (const uint32_t id : visible) {
    const FlameNode& node = tree.nodes()[id];
    const double x = kPadX + static_cast<double>(node.offset) / static_cast<double>(total) * plot_width;
    const double w = static_cast<double>(node.total) / static_cast<double>(total) * plot_width;
    const double y = kHeaderHeight + (max_depth - node.depth) * fh;
    append_box(out, tree, node, x, y, w, fh);
  }
  out += "</g>\n";
  if (total == 0) {
    out += "<text x=\"" + fixed(options.width_px / 2.0, 0) + "\" y=\"" + fixed(kHeaderHeight + fh - 4, 0) +
           "\" text-anchor=\"middle\">No samples</text>\n";
  }
  const double footer_y = height - 10;
  out += "<text id=\"details\" x=\"" + fixed(kPadX, 0) + "\" y=\"" + fixed(footer_y, 0) + "\"> </text>\n";
  out += "<text id=\"matched\" x=\"" + fixed(options.width_px - kPadX, 0) + "\" y=\"" + fixed(footer_y, 0) +
         "\" text-anchor=\"end\"> </text>\n";
  out += "</svg>\n";
  return true;
}

}  // namespace agentprof::flame
