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

// Write files; throw nilm::Error naming the path on failure.
void write_json(const std::vector<EvalRow>& rows, const std::string& path);
void write_csv(const std::vector<EvalRow>& rows, const std::string& path);

}  // namespace nilm::eval
