#include "eval/report.h"

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace nilm::eval {

namespace {

// One table: the column's name, its value for a row (for JSON/CSV) and its terminal format.
struct Column {
  const char* name;
  std::function<double(const EvalRow&)> value;
  const char* table_format;  // "" = not shown in the terminal table
};

double num(std::size_t v) { return static_cast<double>(v); }

const std::vector<Column>& columns() {
  static const std::vector<Column> c = {
      {"samples", [](const EvalRow& r) { return num(r.metrics.samples); }, "{:.0f}"},
      {"mae_w", [](const EvalRow& r) { return r.metrics.mae_w; }, "{:.2f}"},
      {"sae", [](const EvalRow& r) { return r.metrics.sae; }, "{:.3f}"},
      {"nde", [](const EvalRow& r) { return r.metrics.nde; }, "{:.3f}"},
      {"epd_true_wh", [](const EvalRow& r) { return r.metrics.epd_true_wh; }, "{:.1f}"},
      {"epd_pred_wh", [](const EvalRow& r) { return r.metrics.epd_pred_wh; }, "{:.1f}"},
      {"epd_error_pct", [](const EvalRow& r) { return r.metrics.epd_error_pct; }, "{:.1f}"},
      {"accuracy", [](const EvalRow& r) { return r.metrics.accuracy; }, "{:.3f}"},
      {"precision", [](const EvalRow& r) { return r.metrics.precision; }, "{:.3f}"},
      {"recall", [](const EvalRow& r) { return r.metrics.recall; }, "{:.3f}"},
      {"f1", [](const EvalRow& r) { return r.metrics.f1; }, "{:.3f}"},
      {"mcc", [](const EvalRow& r) { return r.metrics.mcc; }, "{:.3f}"},
      {"tp", [](const EvalRow& r) { return num(r.metrics.tp); }, ""},
      {"tn", [](const EvalRow& r) { return num(r.metrics.tn); }, ""},
      {"fp", [](const EvalRow& r) { return num(r.metrics.fp); }, ""},
      {"fn", [](const EvalRow& r) { return num(r.metrics.fn); }, ""},
      {"days", [](const EvalRow& r) { return num(r.metrics.days); }, ""},
      {"true_energy_kwh", [](const EvalRow& r) { return r.metrics.true_energy_kwh; }, ""},
      {"pred_energy_kwh", [](const EvalRow& r) { return r.metrics.pred_energy_kwh; }, ""},
      {"true_activations", [](const EvalRow& r) { return num(r.true_activations); }, ""},
      {"pred_activations", [](const EvalRow& r) { return num(r.pred_activations); }, ""},
      {"windows", [](const EvalRow& r) { return num(r.windows); }, ""},
      {"edge_samples", [](const EvalRow& r) { return num(r.edge_samples); }, ""},
      {"gap_samples", [](const EvalRow& r) { return num(r.gap_samples); }, ""},
      {"clipped_negative", [](const EvalRow& r) { return num(r.clipped_negative); }, ""},
      {"non_finite", [](const EvalRow& r) { return num(r.non_finite); }, ""},
      {"seconds", [](const EvalRow& r) { return r.seconds; }, ""},
      {"windows_per_s", [](const EvalRow& r) { return r.windows_per_s; }, "{:.0f}"},
  };
  return c;
}

// Short terminal headers for the long names.
const char* table_header(const std::string& name) {
  static const std::pair<const char*, const char*> short_names[] = {
      {"mae_w", "MAE W"}, {"sae", "SAE"}, {"nde", "NDE"}, {"epd_true_wh", "EpD true Wh"},
      {"epd_pred_wh", "EpD pred Wh"}, {"epd_error_pct", "EpD_e %"}, {"accuracy", "ACC"},
      {"precision", "P"}, {"recall", "R"}, {"f1", "F1"}, {"mcc", "MCC"},
      {"windows_per_s", "win/s"}};
  for (auto [k, v] : short_names)
    if (name == k) return v;
  return nullptr;
}

std::string format_value(const char* format, double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return fmt::format(fmt::runtime(format), v);
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  if (!f) fail(path + ": cannot open for writing");
  f << text;
  f.close();
  if (!f) fail(path + ": write failed");
}

}  // namespace

std::string format_table(const std::vector<EvalRow>& rows) {
  std::vector<std::string> header{"appliance", "model", "house"};
  std::vector<const Column*> shown;
  for (const auto& c : columns())
    if (*c.table_format) {
      shown.push_back(&c);
      const char* h = table_header(c.name);
      header.push_back(h ? h : c.name);
    }
  std::vector<std::vector<std::string>> cells;
  for (const auto& r : rows) {
    std::vector<std::string> line{r.appliance, r.model, r.house};
    for (const Column* c : shown) line.push_back(format_value(c->table_format, c->value(r)));
    cells.push_back(std::move(line));
  }
  std::vector<std::size_t> width(header.size());
  for (std::size_t k = 0; k < header.size(); ++k) {
    width[k] = header[k].size();
    for (const auto& line : cells) width[k] = std::max(width[k], line[k].size());
  }
  // Text columns left-aligned, numbers right-aligned (markdown-style, like llama-bench).
  auto emit = [&](const std::vector<std::string>& line) {
    std::string out = "|";
    for (std::size_t k = 0; k < line.size(); ++k)
      out += k < 3 ? fmt::format(" {:<{}} |", line[k], width[k]) : fmt::format(" {:>{}} |", line[k], width[k]);
    return out + "\n";
  };
  std::string out = emit(header) + "|";
  for (std::size_t k = 0; k < header.size(); ++k)
    out += std::string(width[k] + 1, '-') + (k < 3 ? "-|" : ":|");
  out += "\n";
  for (const auto& line : cells) out += emit(line);
  return out;
}

std::string compare_to_baselines(const std::vector<EvalRow>& rows) {
  auto is_baseline = [](const EvalRow& r) { return r.model.rfind("baseline:", 0) == 0; };
  // The row that sums up a model: its pooled row "all", else its only house.
  auto summary = [&](const EvalRow& r) {
    for (const auto& o : rows)
      if (o.model == r.model && o.house == "all") return o.house == r.house;
    return true;
  };
  auto verdict = [](double model, double base, bool lower_is_better) {
    if (std::isnan(model) || std::isnan(base)) return "undefined";
    if (model == base) return "same";
    return (model < base) == lower_is_better ? "better" : "worse";
  };
  std::string out;
  for (const auto& m : rows) {
    if (is_baseline(m) || !summary(m)) continue;
    const EvalRow *best_mae = nullptr, *best_f1 = nullptr;
    for (const auto& b : rows) {
      if (!is_baseline(b) || b.house != m.house) continue;
      if (!best_mae || b.metrics.mae_w < best_mae->metrics.mae_w) best_mae = &b;
      // NaN F1 (a baseline that never predicts on and finds nothing) never counts as best
      if (!std::isnan(b.metrics.f1) && (!best_f1 || b.metrics.f1 > best_f1->metrics.f1)) best_f1 = &b;
    }
    if (!best_mae) continue;
    out += fmt::format("{} ({}): MAE {} W vs {} W ({}): {}", m.model, m.house,
                       format_value("{:.2f}", m.metrics.mae_w), format_value("{:.2f}", best_mae->metrics.mae_w),
                       best_mae->model, verdict(m.metrics.mae_w, best_mae->metrics.mae_w, true));
    if (best_f1)
      out += fmt::format("; F1 {} vs {} ({}): {}", format_value("{:.3f}", m.metrics.f1),
                         format_value("{:.3f}", best_f1->metrics.f1), best_f1->model,
                         verdict(m.metrics.f1, best_f1->metrics.f1, false));
    out += "\n";
  }
  return out;
}

nlohmann::json rows_to_json(const std::vector<EvalRow>& rows) {
  auto out = nlohmann::json::array();
  for (const auto& r : rows) {
    nlohmann::json o;
    o["appliance"] = r.appliance;
    o["model"] = r.model;
    o["house"] = r.house;
    for (const auto& c : columns()) {
      double v = c.value(r);
      if (std::isfinite(v))
        o[c.name] = v;
      else
        o[c.name] = std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf");
    }
    out.push_back(std::move(o));
  }
  return out;
}

std::string rows_to_csv(const std::vector<EvalRow>& rows) {
  std::string out = "appliance,model,house";
  for (const auto& c : columns()) out += std::string(",") + c.name;
  out += "\n";
  for (const auto& r : rows) {
    out += csv_field(r.appliance) + "," + csv_field(r.model) + "," + csv_field(r.house);
    for (const auto& c : columns()) out += "," + format_value("{}", c.value(r));
    out += "\n";
  }
  return out;
}

void write_json(const std::vector<EvalRow>& rows, const std::string& path) {
  write_text(path, rows_to_json(rows).dump(2) + "\n");
}

void write_csv(const std::vector<EvalRow>& rows, const std::string& path) {
  write_text(path, rows_to_csv(rows));
}

}  // namespace nilm::eval
