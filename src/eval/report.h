// Results as people and programs read them: an aligned terminal table, JSON and CSV with the
// same rows (like llama-bench). NaN and inf print as "nan" / "inf" in the table and CSV, and as
// the strings "nan" / "inf" / "-inf" in JSON (which has no such numbers).
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "eval/evaluation.h"

namespace nilm::eval {

std::string format_table(const std::vector<EvalRow>& rows);
nlohmann::json rows_to_json(const std::vector<EvalRow>& rows);  // array of row objects
std::string rows_to_csv(const std::vector<EvalRow>& rows);      // header + one line per row

// One line per model (pooled row where there is one): its MAE and F1 against the best baseline
// of the same houses, e.g. "m.pt: MAE 12.3 W vs 17.8 W (baseline:off): better; F1 0.71 vs 0.00
// (baseline:off): better". Empty when there are no baselines or no models.
std::string compare_to_baselines(const std::vector<EvalRow>& rows);

// Write files; throw nilm::Error naming the path on failure.
void write_json(const std::vector<EvalRow>& rows, const std::string& path);
void write_csv(const std::vector<EvalRow>& rows, const std::string& path);

}  // namespace nilm::eval
