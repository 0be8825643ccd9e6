// `nilm`: one program, one subcommand per pipeline stage.
#include <cstdio>
#include <exception>

#include "cli/commands.h"
#include "core/error.h"

int main(int argc, char** argv) {
  CLI::App app{"nilm: non-intrusive load monitoring at the edge - simulate, prepare, train,\n"
               "evaluate, convert, quantize, inspect and run seq2point models."};
  app.name("nilm");
  app.require_subcommand(1);
  app.set_version_flag("--version", "nilm 0.1.0");

  nilm::cli::register_predictor_loaders();
  nilm::cli::add_info_command(app);
  nilm::cli::add_simulate_command(app);
  nilm::cli::add_prepare_command(app);
  nilm::cli::add_evaluate_command(app);
  nilm::cli::add_train_command(app);
  nilm::cli::add_run_command(app);
  nilm::cli::add_convert_command(app);
  nilm::cli::add_bench_command(app);
  nilm::cli::add_inspect_command(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One clear line, exit code 2, as for any usage error.
    std::fprintf(stderr, "nilm: %s (see 'nilm --help')\n", e.what());
    return 2;
  } catch (const nilm::Error& e) {
    std::fprintf(stderr, "nilm: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nilm: internal error: %s\n", e.what());
    return 1;
  }
  return 0;
}
