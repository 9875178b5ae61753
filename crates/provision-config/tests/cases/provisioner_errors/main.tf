variable "greeting" {
  type    = string
  default = "hello"
}

resource "fake_network" "main" {
  cidr_block = "10.0.0.0/16"

  # Accepted: local-exec, in order, with self, when and on_failure.
  provisioner "local-exec" {
    command     = "echo ${self.id} ${var.greeting}"
    working_dir = "/tmp"
    interpreter = ["/bin/bash", "-c"]
    environment = { A = "b" }
    quiet       = true
    on_failure  = continue
  }
  provisioner "local-exec" {
    when    = destroy
    command = "echo bye ${self.id}"
  }

  # Refused: they need a connection to the instance.
  provisioner "file" {
    source      = "a.txt"
    destination = "/tmp/a.txt"
  }
  provisioner "remote-exec" {
    inline = ["true"]
  }
  connection {
    host = "10.0.0.1"
  }
}

resource "fake_network" "other" {
  cidr_block = "10.1.0.0/16"
  provisioner "local-exec" {
    when       = later
    on_failure = "continue"
    comand     = "true"
  }
  provisioner "local-exec" {
    when    = destroy
    command = "echo ${var.greeting}"
  }
  provisioner "chef" {}
}

data "fake_echo" "e" {
  input = "x"
  provisioner "local-exec" {
    command = "true"
  }
}
