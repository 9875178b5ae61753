# A data source scoped to a check block: its assertions may refer to it, nothing else may.
check "zones" {
  data "fake_echo" "probe" {
    input = "ok"
  }

  assert {
    condition     = data.fake_echo.probe.output == "ok"
    error_message = "the probe did not answer"
  }
}

output "probe" {
  value = data.fake_echo.probe.output
}

check "other" {
  assert {
    condition     = data.fake_echo.probe.id != ""
    error_message = "seen from another check"
  }
}
