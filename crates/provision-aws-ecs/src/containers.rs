//! `container_definitions`: the JSON document of a task definition's containers, turned into the
//! SDK's types for `RegisterTaskDefinition` and back from `DescribeTaskDefinition`, checked at plan
//! time (unknown keys and wrong types are refused with the container and key named, instead of
//! being dropped silently), and compared by meaning: key order, whitespace, and the defaults ECS
//! fills in when it reads a definition back (`cpu: 0`, `essential: true`, `mountPoints: []`,
//! `portMappings[].protocol = "tcp"`, a `hostPort` equal to the `containerPort`, ...) are not
//! changes, and neither is the order of `environment` or `secrets`.

use aws_sdk_ecs::types::{
    ContainerDefinition, ContainerDependency, EnvironmentFile, FirelensConfiguration, HealthCheck, HostEntry,
    KernelCapabilities, KeyValuePair, LinuxParameters, LogConfiguration, MountPoint, PortMapping,
    RepositoryCredentials, ResourceRequirement, Secret, SystemControl, Ulimit, VolumeFrom,
};
use provision_core::Value;
use serde_json::{Map, Value as Json};
use std::collections::HashMap;

// ---------------------------------------------------------------------------------------------
// Comparison by meaning

/// The `Normalizer` of `container_definitions`: ECS's meaning (see [`canonical`]) on top of
/// `provision_aws_core::json::normalize_json` (keys sorted, compact). A value that is not JSON is
/// left as written (the validator refuses it).
pub(crate) fn normalize(v: &Value) -> Value {
    match v.as_str().map(serde_json::from_str::<Json>) {
        Some(Ok(doc)) => provision_aws_core::json::normalize_json(&Value::String(canonical(&doc).to_string())),
        _ => v.clone(),
    }
}

/// The canonical form of a container definitions document: keys sorted, integral numbers as
/// integers, null, empty lists and empty objects dropped, ECS's defaults dropped, and the lists
/// whose order means nothing (`environment`, `secrets`) sorted by name.
pub(crate) fn canonical(doc: &Json) -> Json {
    match doc {
        Json::Array(containers) => Json::Array(containers.iter().map(container).collect()),
        other => compact(other).unwrap_or(Json::Null),
    }
}

fn container(c: &Json) -> Json {
    let Some(mut c) = compact(c) else { return Json::Object(Map::new()) };
    let Json::Object(m) = &mut c else { return c };
    if m.get("cpu").and_then(Json::as_i64) == Some(0) {
        m.remove("cpu");
    }
    if m.get("essential").and_then(Json::as_bool) == Some(true) {
        m.remove("essential");
    }
    if let Some(Json::Array(ports)) = m.get_mut("portMappings") {
        for p in ports.iter_mut().filter_map(Json::as_object_mut) {
            if p.get("protocol").and_then(Json::as_str) == Some("tcp") {
                p.remove("protocol");
            }
            let host = p.get("hostPort").and_then(Json::as_i64);
            if host == Some(0) || (host.is_some() && host == p.get("containerPort").and_then(Json::as_i64)) {
                p.remove("hostPort");
            }
        }
    }
    for list in ["mountPoints", "volumesFrom"] {
        if let Some(Json::Array(items)) = m.get_mut(list) {
            for i in items.iter_mut().filter_map(Json::as_object_mut) {
                if i.get("readOnly").and_then(Json::as_bool) == Some(false) {
                    i.remove("readOnly");
                }
            }
        }
    }
    for list in ["environment", "secrets"] {
        if let Some(Json::Array(items)) = m.get_mut(list) {
            items.sort_by(|a, b| {
                let key = |v: &Json| (v.get("name").map(Json::to_string), v.to_string());
                key(a).cmp(&key(b))
            });
        }
    }
    // Dropping defaults may have emptied a port mapping or a mount point: compact again.
    compact(&c).unwrap_or(Json::Object(Map::new()))
}

/// Keys sorted, integral numbers as integers, and null, `[]` and `{}` dropped at every depth
/// (`None` when nothing is left of the value).
fn compact(v: &Json) -> Option<Json> {
    match v {
        Json::Null => None,
        Json::Number(n) => {
            let f = n.as_f64()?;
            if n.is_f64() && f.fract() == 0.0 && f.abs() < 9.0e15 {
                Some(Json::from(f as i64))
            } else {
                Some(v.clone())
            }
        }
        Json::Array(items) => {
            let items: Vec<Json> = items.iter().filter_map(compact).collect();
            (!items.is_empty()).then_some(Json::Array(items))
        }
        Json::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let out: Map<String, Json> =
                keys.into_iter().filter_map(|k| Some((k.clone(), compact(m.get(k)?)?))).collect();
            (!out.is_empty()).then_some(Json::Object(out))
        }
        other => Some(other.clone()),
    }
}

// ---------------------------------------------------------------------------------------------
// Plan-time check

/// The `Validator` of `container_definitions`: a JSON array of containers, each with a `name` and
/// an `image`, every key one ECS knows and of the right type.
pub(crate) fn validate(v: &Value) -> Result<(), String> {
    let Some(text) = v.as_str() else { return Err("must be a JSON string (use jsonencode([...]))".into()) };
    parse(text).map(|_| ())
}

/// The containers of a document, as the SDK sends them.
pub(crate) fn parse(text: &str) -> Result<Vec<ContainerDefinition>, String> {
    let doc: Json = serde_json::from_str(text).map_err(|e| format!("is not valid JSON: {e}"))?;
    let Json::Array(items) = doc else { return Err("must be a JSON array of container definitions".into()) };
    if items.is_empty() {
        return Err("must define at least one container".into());
    }
    items
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let name =
                c.get("name").and_then(Json::as_str).map_or(format!("container {i}"), |n| format!("container \"{n}\""));
            let o = Obj::new(c, &name)?;
            from_json(&o).map_err(|e| format!("{name}: {e}"))
        })
        .collect()
}

/// One JSON object being read: its keys are checked against the ones read from it.
struct Obj<'a> {
    m: &'a Map<String, Json>,
    path: String,
}

type R<T> = Result<T, String>;

impl<'a> Obj<'a> {
    fn new(v: &'a Json, path: &str) -> R<Obj<'a>> {
        match v {
            Json::Object(m) => Ok(Obj { m, path: path.to_string() }),
            _ => Err(format!("{path} must be a JSON object")),
        }
    }

    /// Refuses keys outside `known`.
    fn only(&self, known: &[&str]) -> R<()> {
        let unknown: Vec<&str> = self.m.keys().map(String::as_str).filter(|k| !known.contains(k)).collect();
        if unknown.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "unknown key{} {} in {} (known: {})",
                if unknown.len() > 1 { "s" } else { "" },
                unknown.join(", "),
                self.path,
                known.join(", ")
            ))
        }
    }

    fn get(&self, k: &str) -> Option<&'a Json> {
        self.m.get(k).filter(|v| !v.is_null())
    }

    fn wrong(&self, k: &str, what: &str) -> String {
        format!("`{k}` in {} must be {what}", self.path)
    }

    fn str(&self, k: &str) -> R<Option<String>> {
        match self.get(k) {
            None => Ok(None),
            Some(Json::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(self.wrong(k, "a string")),
        }
    }

    fn need_str(&self, k: &str) -> R<String> {
        self.str(k)?.ok_or_else(|| format!("{} needs `{k}`", self.path))
    }

    fn int(&self, k: &str) -> R<Option<i32>> {
        match self.get(k) {
            None => Ok(None),
            Some(Json::Number(n)) => match n.as_f64() {
                Some(f) if f.fract() == 0.0 && f >= f64::from(i32::MIN) && f <= f64::from(i32::MAX) => {
                    Ok(Some(f as i32))
                }
                _ => Err(self.wrong(k, "a whole number")),
            },
            Some(_) => Err(self.wrong(k, "a number")),
        }
    }

    fn need_int(&self, k: &str) -> R<i32> {
        self.int(k)?.ok_or_else(|| format!("{} needs `{k}`", self.path))
    }

    fn bool(&self, k: &str) -> R<Option<bool>> {
        match self.get(k) {
            None => Ok(None),
            Some(Json::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.wrong(k, "true or false")),
        }
    }

    fn strs(&self, k: &str) -> R<Option<Vec<String>>> {
        match self.get(k) {
            None => Ok(None),
            Some(Json::Array(items)) => items
                .iter()
                .map(|i| i.as_str().map(str::to_string).ok_or_else(|| self.wrong(k, "a list of strings")))
                .collect::<R<Vec<_>>>()
                .map(Some),
            Some(_) => Err(self.wrong(k, "a list of strings")),
        }
    }

    fn string_map(&self, k: &str) -> R<Option<HashMap<String, String>>> {
        match self.get(k) {
            None => Ok(None),
            Some(Json::Object(m)) => m
                .iter()
                .map(|(k2, v)| {
                    v.as_str().map(|s| (k2.clone(), s.to_string())).ok_or_else(|| self.wrong(k, "an object of strings"))
                })
                .collect::<R<HashMap<_, _>>>()
                .map(Some),
            Some(_) => Err(self.wrong(k, "an object of strings")),
        }
    }

    fn obj(&self, k: &str) -> R<Option<Obj<'a>>> {
        self.get(k).map(|v| Obj::new(v, &format!("{}.{k}", self.path))).transpose()
    }

    fn objs(&self, k: &str) -> R<Option<Vec<Obj<'a>>>> {
        match self.get(k) {
            None => Ok(None),
            Some(Json::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| Obj::new(v, &format!("{}.{k}[{i}]", self.path)))
                .collect::<R<Vec<_>>>()
                .map(Some),
            Some(_) => Err(self.wrong(k, "a list of objects")),
        }
    }

    /// Maps each object of list `k` with `f`.
    fn each<T>(&self, k: &str, f: impl Fn(&Obj<'a>) -> R<T>) -> R<Option<Vec<T>>> {
        self.objs(k)?.map(|items| items.iter().map(&f).collect::<R<Vec<T>>>()).transpose()
    }
}

const CONTAINER_KEYS: &[&str] = &[
    "name",
    "image",
    "repositoryCredentials",
    "cpu",
    "memory",
    "memoryReservation",
    "links",
    "portMappings",
    "essential",
    "entryPoint",
    "command",
    "environment",
    "environmentFiles",
    "mountPoints",
    "volumesFrom",
    "linuxParameters",
    "secrets",
    "dependsOn",
    "startTimeout",
    "stopTimeout",
    "hostname",
    "user",
    "workingDirectory",
    "disableNetworking",
    "privileged",
    "readonlyRootFilesystem",
    "dnsServers",
    "dnsSearchDomains",
    "extraHosts",
    "dockerSecurityOptions",
    "interactive",
    "pseudoTerminal",
    "dockerLabels",
    "ulimits",
    "logConfiguration",
    "healthCheck",
    "systemControls",
    "resourceRequirements",
    "firelensConfiguration",
    "credentialSpecs",
];

fn name_value(o: &Obj<'_>) -> R<KeyValuePair> {
    o.only(&["name", "value"])?;
    Ok(KeyValuePair::builder().set_name(o.str("name")?).set_value(o.str("value")?).build())
}

fn secret(o: &Obj<'_>) -> R<Secret> {
    o.only(&["name", "valueFrom"])?;
    Secret::builder().name(o.need_str("name")?).value_from(o.need_str("valueFrom")?).build().map_err(|e| e.to_string())
}

fn from_json(o: &Obj<'_>) -> R<ContainerDefinition> {
    o.only(CONTAINER_KEYS)?;
    let name = o.need_str("name")?;
    if o.str("image")?.is_none() {
        return Err("needs `image`".into());
    }
    let port_mappings = o.each("portMappings", |p| {
        p.only(&["containerPort", "hostPort", "protocol", "name", "appProtocol", "containerPortRange"])?;
        Ok(PortMapping::builder()
            .set_container_port(p.int("containerPort")?)
            .set_host_port(p.int("hostPort")?)
            .set_protocol(p.str("protocol")?.map(|s| s.as_str().into()))
            .set_name(p.str("name")?)
            .set_app_protocol(p.str("appProtocol")?.map(|s| s.as_str().into()))
            .set_container_port_range(p.str("containerPortRange")?)
            .build())
    })?;
    let mount_points = o.each("mountPoints", |p| {
        p.only(&["sourceVolume", "containerPath", "readOnly"])?;
        Ok(MountPoint::builder()
            .set_source_volume(p.str("sourceVolume")?)
            .set_container_path(p.str("containerPath")?)
            .set_read_only(p.bool("readOnly")?)
            .build())
    })?;
    let volumes_from = o.each("volumesFrom", |p| {
        p.only(&["sourceContainer", "readOnly"])?;
        Ok(VolumeFrom::builder()
            .set_source_container(p.str("sourceContainer")?)
            .set_read_only(p.bool("readOnly")?)
            .build())
    })?;
    let linux = o
        .obj("linuxParameters")?
        .map(|l| -> R<LinuxParameters> {
            l.only(&["capabilities", "initProcessEnabled", "sharedMemorySize", "maxSwap", "swappiness"])?;
            let caps = l
                .obj("capabilities")?
                .map(|c| -> R<KernelCapabilities> {
                    c.only(&["add", "drop"])?;
                    Ok(KernelCapabilities::builder().set_add(c.strs("add")?).set_drop(c.strs("drop")?).build())
                })
                .transpose()?;
            Ok(LinuxParameters::builder()
                .set_capabilities(caps)
                .set_init_process_enabled(l.bool("initProcessEnabled")?)
                .set_shared_memory_size(l.int("sharedMemorySize")?)
                .set_max_swap(l.int("maxSwap")?)
                .set_swappiness(l.int("swappiness")?)
                .build())
        })
        .transpose()?;
    let depends_on = o.each("dependsOn", |d| {
        d.only(&["containerName", "condition"])?;
        ContainerDependency::builder()
            .container_name(d.need_str("containerName")?)
            .condition(d.need_str("condition")?.as_str().into())
            .build()
            .map_err(|e| e.to_string())
    })?;
    let extra_hosts = o.each("extraHosts", |h| {
        h.only(&["hostname", "ipAddress"])?;
        HostEntry::builder()
            .hostname(h.need_str("hostname")?)
            .ip_address(h.need_str("ipAddress")?)
            .build()
            .map_err(|e| e.to_string())
    })?;
    let ulimits = o.each("ulimits", |u| {
        u.only(&["name", "softLimit", "hardLimit"])?;
        Ulimit::builder()
            .name(u.need_str("name")?.as_str().into())
            .soft_limit(u.need_int("softLimit")?)
            .hard_limit(u.need_int("hardLimit")?)
            .build()
            .map_err(|e| e.to_string())
    })?;
    let log = o
        .obj("logConfiguration")?
        .map(|l| -> R<LogConfiguration> {
            l.only(&["logDriver", "options", "secretOptions"])?;
            LogConfiguration::builder()
                .log_driver(l.need_str("logDriver")?.as_str().into())
                .set_options(l.string_map("options")?)
                .set_secret_options(l.each("secretOptions", secret)?)
                .build()
                .map_err(|e| e.to_string())
        })
        .transpose()?;
    let health = o
        .obj("healthCheck")?
        .map(|h| -> R<HealthCheck> {
            h.only(&["command", "interval", "timeout", "retries", "startPeriod"])?;
            HealthCheck::builder()
                .set_command(Some(h.strs("command")?.ok_or_else(|| format!("{} needs `command`", h.path))?))
                .set_interval(h.int("interval")?)
                .set_timeout(h.int("timeout")?)
                .set_retries(h.int("retries")?)
                .set_start_period(h.int("startPeriod")?)
                .build()
                .map_err(|e| e.to_string())
        })
        .transpose()?;
    let system_controls = o.each("systemControls", |s| {
        s.only(&["namespace", "value"])?;
        Ok(SystemControl::builder().set_namespace(s.str("namespace")?).set_value(s.str("value")?).build())
    })?;
    let resources = o.each("resourceRequirements", |r| {
        r.only(&["type", "value"])?;
        ResourceRequirement::builder()
            .r#type(r.need_str("type")?.as_str().into())
            .value(r.need_str("value")?)
            .build()
            .map_err(|e| e.to_string())
    })?;
    let firelens = o
        .obj("firelensConfiguration")?
        .map(|f| -> R<FirelensConfiguration> {
            f.only(&["type", "options"])?;
            FirelensConfiguration::builder()
                .r#type(f.need_str("type")?.as_str().into())
                .set_options(f.string_map("options")?)
                .build()
                .map_err(|e| e.to_string())
        })
        .transpose()?;
    let env_files = o.each("environmentFiles", |f| {
        f.only(&["value", "type"])?;
        EnvironmentFile::builder()
            .value(f.need_str("value")?)
            .r#type(f.need_str("type")?.as_str().into())
            .build()
            .map_err(|e| e.to_string())
    })?;
    let credentials = o
        .obj("repositoryCredentials")?
        .map(|c| -> R<RepositoryCredentials> {
            c.only(&["credentialsParameter"])?;
            RepositoryCredentials::builder()
                .credentials_parameter(c.need_str("credentialsParameter")?)
                .build()
                .map_err(|e| e.to_string())
        })
        .transpose()?;
    Ok(ContainerDefinition::builder()
        .name(name)
        .set_image(o.str("image")?)
        .set_repository_credentials(credentials)
        .set_cpu(o.int("cpu")?)
        .set_memory(o.int("memory")?)
        .set_memory_reservation(o.int("memoryReservation")?)
        .set_links(o.strs("links")?)
        .set_port_mappings(port_mappings)
        .set_essential(o.bool("essential")?)
        .set_entry_point(o.strs("entryPoint")?)
        .set_command(o.strs("command")?)
        .set_environment(o.each("environment", name_value)?)
        .set_environment_files(env_files)
        .set_mount_points(mount_points)
        .set_volumes_from(volumes_from)
        .set_linux_parameters(linux)
        .set_secrets(o.each("secrets", secret)?)
        .set_depends_on(depends_on)
        .set_start_timeout(o.int("startTimeout")?)
        .set_stop_timeout(o.int("stopTimeout")?)
        .set_hostname(o.str("hostname")?)
        .set_user(o.str("user")?)
        .set_working_directory(o.str("workingDirectory")?)
        .set_disable_networking(o.bool("disableNetworking")?)
        .set_privileged(o.bool("privileged")?)
        .set_readonly_root_filesystem(o.bool("readonlyRootFilesystem")?)
        .set_dns_servers(o.strs("dnsServers")?)
        .set_dns_search_domains(o.strs("dnsSearchDomains")?)
        .set_extra_hosts(extra_hosts)
        .set_docker_security_options(o.strs("dockerSecurityOptions")?)
        .set_interactive(o.bool("interactive")?)
        .set_pseudo_terminal(o.bool("pseudoTerminal")?)
        .set_docker_labels(o.string_map("dockerLabels")?)
        .set_ulimits(ulimits)
        .set_log_configuration(log)
        .set_health_check(health)
        .set_system_controls(system_controls)
        .set_resource_requirements(resources)
        .set_firelens_configuration(firelens)
        .set_credential_specs(o.strs("credentialSpecs")?)
        .build())
}

// ---------------------------------------------------------------------------------------------
// Reading back

struct Out(Map<String, Json>);

impl Out {
    fn new() -> Out {
        Out(Map::new())
    }
    fn put(&mut self, k: &str, v: Option<Json>) -> &mut Out {
        if let Some(v) = v {
            self.0.insert(k.to_string(), v);
        }
        self
    }
    fn done(&mut self) -> Json {
        Json::Object(std::mem::take(&mut self.0))
    }
}

fn js(v: Option<&str>) -> Option<Json> {
    v.map(|s| Json::String(s.to_string()))
}

fn ji(v: Option<i32>) -> Option<Json> {
    v.map(Json::from)
}

fn jb(v: Option<bool>) -> Option<Json> {
    v.map(Json::Bool)
}

fn jstrs(v: &[String]) -> Option<Json> {
    (!v.is_empty()).then(|| Json::Array(v.iter().map(|s| Json::String(s.clone())).collect()))
}

fn jmap(v: Option<&HashMap<String, String>>) -> Option<Json> {
    v.map(|m| Json::Object(m.iter().map(|(k, v)| (k.clone(), Json::String(v.clone()))).collect()))
}

fn jlist<T>(items: &[T], f: impl Fn(&T) -> Json) -> Option<Json> {
    (!items.is_empty()).then(|| Json::Array(items.iter().map(f).collect()))
}

fn jsecret(s: &Secret) -> Json {
    Out::new().put("name", js(Some(s.name()))).put("valueFrom", js(Some(s.value_from()))).done()
}

/// The document ECS describes, in canonical form.
pub(crate) fn to_json(containers: &[ContainerDefinition]) -> String {
    let doc = Json::Array(containers.iter().map(container_json).collect());
    canonical(&doc).to_string()
}

fn container_json(c: &ContainerDefinition) -> Json {
    let mut o = Out::new();
    o.put("name", js(c.name()))
        .put("image", js(c.image()))
        .put(
            "repositoryCredentials",
            c.repository_credentials()
                .map(|r| Out::new().put("credentialsParameter", js(Some(r.credentials_parameter()))).done()),
        )
        .put("cpu", Some(Json::from(c.cpu())))
        .put("memory", ji(c.memory()))
        .put("memoryReservation", ji(c.memory_reservation()))
        .put("links", jstrs(c.links()))
        .put(
            "portMappings",
            jlist(c.port_mappings(), |p| {
                Out::new()
                    .put("containerPort", ji(p.container_port()))
                    .put("hostPort", ji(p.host_port()))
                    .put("protocol", js(p.protocol().map(|v| v.as_str())))
                    .put("name", js(p.name()))
                    .put("appProtocol", js(p.app_protocol().map(|v| v.as_str())))
                    .put("containerPortRange", js(p.container_port_range()))
                    .done()
            }),
        )
        .put("essential", jb(c.essential()))
        .put("entryPoint", jstrs(c.entry_point()))
        .put("command", jstrs(c.command()))
        .put(
            "environment",
            jlist(c.environment(), |e| Out::new().put("name", js(e.name())).put("value", js(e.value())).done()),
        )
        .put(
            "environmentFiles",
            jlist(c.environment_files(), |f| {
                Out::new().put("value", js(Some(f.value()))).put("type", js(Some(f.r#type().as_str()))).done()
            }),
        )
        .put(
            "mountPoints",
            jlist(c.mount_points(), |m| {
                Out::new()
                    .put("sourceVolume", js(m.source_volume()))
                    .put("containerPath", js(m.container_path()))
                    .put("readOnly", jb(m.read_only()))
                    .done()
            }),
        )
        .put(
            "volumesFrom",
            jlist(c.volumes_from(), |v| {
                Out::new().put("sourceContainer", js(v.source_container())).put("readOnly", jb(v.read_only())).done()
            }),
        )
        .put(
            "linuxParameters",
            c.linux_parameters().map(|l| {
                Out::new()
                    .put(
                        "capabilities",
                        l.capabilities()
                            .map(|k| Out::new().put("add", jstrs(k.add())).put("drop", jstrs(k.drop())).done()),
                    )
                    .put("initProcessEnabled", jb(l.init_process_enabled()))
                    .put("sharedMemorySize", ji(l.shared_memory_size()))
                    .put("maxSwap", ji(l.max_swap()))
                    .put("swappiness", ji(l.swappiness()))
                    .done()
            }),
        )
        .put("secrets", jlist(c.secrets(), jsecret))
        .put(
            "dependsOn",
            jlist(c.depends_on(), |d| {
                Out::new()
                    .put("containerName", js(Some(d.container_name())))
                    .put("condition", js(Some(d.condition().as_str())))
                    .done()
            }),
        )
        .put("startTimeout", ji(c.start_timeout()))
        .put("stopTimeout", ji(c.stop_timeout()))
        .put("hostname", js(c.hostname()))
        .put("user", js(c.user()))
        .put("workingDirectory", js(c.working_directory()))
        .put("disableNetworking", jb(c.disable_networking()))
        .put("privileged", jb(c.privileged()))
        .put("readonlyRootFilesystem", jb(c.readonly_root_filesystem()))
        .put("dnsServers", jstrs(c.dns_servers()))
        .put("dnsSearchDomains", jstrs(c.dns_search_domains()))
        .put(
            "extraHosts",
            jlist(c.extra_hosts(), |h| {
                Out::new().put("hostname", js(Some(h.hostname()))).put("ipAddress", js(Some(h.ip_address()))).done()
            }),
        )
        .put("dockerSecurityOptions", jstrs(c.docker_security_options()))
        .put("interactive", jb(c.interactive()))
        .put("pseudoTerminal", jb(c.pseudo_terminal()))
        .put("dockerLabels", jmap(c.docker_labels()))
        .put(
            "ulimits",
            jlist(c.ulimits(), |u| {
                Out::new()
                    .put("name", js(Some(u.name().as_str())))
                    .put("softLimit", ji(Some(u.soft_limit())))
                    .put("hardLimit", ji(Some(u.hard_limit())))
                    .done()
            }),
        )
        .put(
            "logConfiguration",
            c.log_configuration().map(|l| {
                Out::new()
                    .put("logDriver", js(Some(l.log_driver().as_str())))
                    .put("options", jmap(l.options()))
                    .put("secretOptions", jlist(l.secret_options(), jsecret))
                    .done()
            }),
        )
        .put(
            "healthCheck",
            c.health_check().map(|h| {
                Out::new()
                    .put("command", jstrs(h.command()))
                    .put("interval", ji(h.interval()))
                    .put("timeout", ji(h.timeout()))
                    .put("retries", ji(h.retries()))
                    .put("startPeriod", ji(h.start_period()))
                    .done()
            }),
        )
        .put(
            "systemControls",
            jlist(c.system_controls(), |s| {
                Out::new().put("namespace", js(s.namespace())).put("value", js(s.value())).done()
            }),
        )
        .put(
            "resourceRequirements",
            jlist(c.resource_requirements(), |r| {
                Out::new().put("type", js(Some(r.r#type().as_str()))).put("value", js(Some(r.value()))).done()
            }),
        )
        .put(
            "firelensConfiguration",
            c.firelens_configuration().map(|f| {
                Out::new().put("type", js(Some(f.r#type().as_str()))).put("options", jmap(f.options())).done()
            }),
        )
        .put("credentialSpecs", jstrs(c.credential_specs()));
    o.done()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(a: &str, b: &str) -> bool {
        normalize(&Value::String(a.into())) == normalize(&Value::String(b.into()))
    }

    /// Pairs that mean the same container definitions.
    const EQUAL: &[(&str, &str, &str)] = &[
        (
            "key order and whitespace",
            r#"[{"name":"app","image":"nginx","memory":512}]"#,
            r#"[ { "memory" : 512, "image": "nginx",
                  "name": "app" } ]"#,
        ),
        (
            "ECS's read defaults",
            r#"[{"name":"app","image":"nginx"}]"#,
            r#"[{"name":"app","image":"nginx","cpu":0,"essential":true,"mountPoints":[],"volumesFrom":[],"portMappings":[],"environment":[],"systemControls":[],"environmentFiles":[]}]"#,
        ),
        (
            "protocol tcp and hostPort equal to containerPort",
            r#"[{"name":"app","image":"nginx","portMappings":[{"containerPort":8080}]}]"#,
            r#"[{"name":"app","image":"nginx","portMappings":[{"containerPort":8080,"hostPort":8080,"protocol":"tcp"}]}]"#,
        ),
        (
            "hostPort 0 (dynamic) written or not",
            r#"[{"name":"app","image":"nginx","portMappings":[{"containerPort":80,"hostPort":0}]}]"#,
            r#"[{"name":"app","image":"nginx","portMappings":[{"containerPort":80}]}]"#,
        ),
        (
            "environment order",
            r#"[{"name":"app","image":"x","environment":[{"name":"B","value":"2"},{"name":"A","value":"1"}]}]"#,
            r#"[{"name":"app","image":"x","environment":[{"value":"1","name":"A"},{"name":"B","value":"2"}]}]"#,
        ),
        (
            "secrets order",
            r#"[{"name":"app","image":"x","secrets":[{"name":"Z","valueFrom":"arn:z"},{"name":"A","valueFrom":"arn:a"}]}]"#,
            r#"[{"name":"app","image":"x","secrets":[{"name":"A","valueFrom":"arn:a"},{"name":"Z","valueFrom":"arn:z"}]}]"#,
        ),
        (
            "null values",
            r#"[{"name":"app","image":"x","user":null,"command":null}]"#,
            r#"[{"name":"app","image":"x"}]"#,
        ),
        (
            "a float that is a whole number",
            r#"[{"name":"app","image":"x","memory":512.0}]"#,
            r#"[{"name":"app","image":"x","memory":512}]"#,
        ),
        (
            "empty nested objects and lists",
            r#"[{"name":"app","image":"x","logConfiguration":{"logDriver":"awslogs","options":{"a":"b"},"secretOptions":[]},"dockerLabels":{}}]"#,
            r#"[{"name":"app","image":"x","logConfiguration":{"logDriver":"awslogs","options":{"a":"b"}}}]"#,
        ),
        (
            "readOnly false on mount points",
            r#"[{"name":"app","image":"x","mountPoints":[{"sourceVolume":"v","containerPath":"/d","readOnly":false}]}]"#,
            r#"[{"name":"app","image":"x","mountPoints":[{"containerPath":"/d","sourceVolume":"v"}]}]"#,
        ),
        (
            "key order inside options",
            r#"[{"name":"app","image":"x","logConfiguration":{"logDriver":"awslogs","options":{"b":"2","a":"1"}}}]"#,
            r#"[{"name":"app","image":"x","logConfiguration":{"options":{"a":"1","b":"2"},"logDriver":"awslogs"}}]"#,
        ),
    ];

    /// Pairs that differ.
    const DIFFERENT: &[(&str, &str, &str)] = &[
        (
            "an environment value",
            r#"[{"name":"app","image":"x","environment":[{"name":"A","value":"1"}]}]"#,
            r#"[{"name":"app","image":"x","environment":[{"name":"A","value":"2"}]}]"#,
        ),
        ("the image", r#"[{"name":"app","image":"x:1"}]"#, r#"[{"name":"app","image":"x:2"}]"#),
        ("essential false", r#"[{"name":"app","image":"x","essential":false}]"#, r#"[{"name":"app","image":"x"}]"#),
        ("a cpu share", r#"[{"name":"app","image":"x","cpu":256}]"#, r#"[{"name":"app","image":"x"}]"#),
        (
            "protocol udp",
            r#"[{"name":"app","image":"x","portMappings":[{"containerPort":53,"protocol":"udp"}]}]"#,
            r#"[{"name":"app","image":"x","portMappings":[{"containerPort":53}]}]"#,
        ),
        (
            "a host port other than the container port",
            r#"[{"name":"app","image":"x","portMappings":[{"containerPort":80,"hostPort":8080}]}]"#,
            r#"[{"name":"app","image":"x","portMappings":[{"containerPort":80}]}]"#,
        ),
        (
            "container order",
            r#"[{"name":"a","image":"x"},{"name":"b","image":"y"}]"#,
            r#"[{"name":"b","image":"y"},{"name":"a","image":"x"}]"#,
        ),
        (
            "command order",
            r#"[{"name":"a","image":"x","command":["run","--fast"]}]"#,
            r#"[{"name":"a","image":"x","command":["--fast","run"]}]"#,
        ),
        (
            "readOnly true",
            r#"[{"name":"app","image":"x","mountPoints":[{"sourceVolume":"v","containerPath":"/d","readOnly":true}]}]"#,
            r#"[{"name":"app","image":"x","mountPoints":[{"sourceVolume":"v","containerPath":"/d"}]}]"#,
        ),
        (
            "a number versus a string",
            r#"[{"name":"app","image":"x","memory":512}]"#,
            r#"[{"name":"app","image":"x","memory":"512"}]"#,
        ),
    ];

    #[test]
    fn equal_by_meaning() {
        for (why, a, b) in EQUAL {
            assert!(same(a, b), "{why}: {a} vs {b}");
        }
    }

    #[test]
    fn different_by_meaning() {
        for (why, a, b) in DIFFERENT {
            assert!(!same(a, b), "{why}: {a} vs {b}");
        }
    }

    #[test]
    fn normal_form_is_compact_and_sorted() {
        let v = normalize(&Value::String(r#"[{"name":"app","image":"nginx","cpu":0,"memory":512}]"#.into()));
        assert_eq!(v, Value::String(r#"[{"image":"nginx","memory":512,"name":"app"}]"#.into()));
        assert_eq!(normalize(&Value::String("not json".into())), Value::String("not json".into()));
    }

    #[test]
    fn a_round_trip_through_the_sdk_changes_nothing() {
        let doc = r#"[{"name":"app","image":"nginx:1","cpu":256,"memory":512,"essential":true,
            "portMappings":[{"containerPort":80,"hostPort":80,"protocol":"tcp","name":"http","appProtocol":"http"}],
            "environment":[{"name":"B","value":"2"},{"name":"A","value":"1"}],
            "secrets":[{"name":"S","valueFrom":"arn:aws:ssm:eu-west-1:1:parameter/s"}],
            "logConfiguration":{"logDriver":"awslogs","options":{"awslogs-group":"/ecs/app","awslogs-region":"eu-west-1"}},
            "healthCheck":{"command":["CMD-SHELL","curl -f http://localhost/ || exit 1"],"interval":30,"retries":3},
            "mountPoints":[{"sourceVolume":"data","containerPath":"/data","readOnly":true}],
            "linuxParameters":{"initProcessEnabled":true,"capabilities":{"drop":["ALL"]}},
            "ulimits":[{"name":"nofile","softLimit":1024,"hardLimit":4096}],
            "dependsOn":[{"containerName":"init","condition":"SUCCESS"}],
            "dockerLabels":{"team":"web"},"readonlyRootFilesystem":true,"user":"1000"},
            {"name":"init","image":"busybox","essential":false,"command":["true"]}]"#;
        let parsed = parse(doc).expect("parses");
        assert_eq!(parsed.len(), 2);
        assert!(same(&to_json(&parsed), doc), "{}", to_json(&parsed));
    }

    #[test]
    fn unknown_keys_and_wrong_types_are_refused_by_name() {
        let e = parse(r#"[{"name":"app","image":"x","imagee":"y"}]"#).expect_err("typo");
        assert!(e.contains("container \"app\"") && e.contains("imagee"), "{e}");
        let e = parse(r#"[{"name":"app","image":"x","memory":"512"}]"#).expect_err("string");
        assert!(e.contains("`memory`") && e.contains("number"), "{e}");
        let e = parse(r#"[{"name":"app","image":"x","portMappings":[{"containerPort":80,"hostport":80}]}]"#)
            .expect_err("case");
        assert!(e.contains("hostport") && e.contains("portMappings[0]"), "{e}");
        let e = parse(r#"[{"image":"x"}]"#).expect_err("no name");
        assert!(e.contains("needs `name`"), "{e}");
        let e = parse(r#"{"name":"app"}"#).expect_err("not a list");
        assert!(e.contains("array"), "{e}");
        assert!(parse("[]").is_err());
        assert!(validate(&Value::String("{".into())).is_err());
    }
}
