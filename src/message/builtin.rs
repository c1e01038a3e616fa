//! courier's own templates and default Jsonnet body, compiled in: what a
//! message is rendered with when the config overrides nothing. The wording
//! is courier's; the fields each template reads are Kratos'.

use crate::release::Release;

/// What a user reads where a built-in template was rendered: that the
/// wording is courier's, and how to see the texts of Kratos `release`
/// itself (its built-in folder has the layout `template_override_path`
/// reads).
#[must_use]
pub fn notice(types: &[&str], release: Release) -> String {
    let which = match types {
        [one] => format!("`{one}` is"),
        few if few.len() <= 4 => {
            let names: Vec<String> = few.iter().map(|t| format!("`{t}`")).collect();
            format!("{} are", names.join(", "))
        }
        many => format!("{} types are", many.len()),
    };
    format!(
        "courier: note: {which} rendered from courier's built-in templates: courier's wording, not the texts \
         Kratos {release} sends. To see Kratos' own, point courier.template_override_path at \
         courier/template/courier/builtin/templates in a checkout of ory/kratos at {release} \
         (the same layout)"
    )
}

/// Opens a passage of a built-in template that reads a field older
/// releases' models lack: `{{/* needs .Field */}}`, closed by
/// `{{/* end */}}` (both Go comments: they render nothing).
const NEEDS: &str = "{{/* needs .";
const END: &str = "{{/* end */}}";

/// A built-in template fitted to a model with `fields`: each passage
/// that needs a field the model lacks is left out (with its markers),
/// so the template never reads a field Kratos' model of that release
/// does not have.
#[must_use]
pub fn fit(text: &str, fields: &[&str]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(NEEDS) {
        let after = &rest[start + NEEDS.len()..];
        let Some(close) = after.find(" */}}") else {
            break;
        };
        let field = &after[..close];
        let Some(end) = after.find(END) else {
            break;
        };
        out.push_str(&rest[..start]);
        if fields.contains(&field) {
            out.push_str(&rest[start..start + NEEDS.len() + end + END.len()]);
        }
        rest = &after[end + END.len()..];
    }
    out.push_str(rest);
    out
}

/// The default body of Kratos v1.0.0, whose ctx has Go field names.
pub const DEFAULT_BODY_V1_0: &str = include_str!("templates/default_body_v1_0.jsonnet");

/// The default body of release `r`.
#[must_use]
pub fn default_body(r: Release) -> &'static str {
    if r.has(crate::release::CHANNELS) {
        DEFAULT_BODY
    } else {
        DEFAULT_BODY_V1_0
    }
}

/// The Jsonnet body Kratos uses when the email request config sets none
/// (the same fields and values, in courier's own Jsonnet).
pub const DEFAULT_BODY: &str = include_str!("templates/default_body.jsonnet");

/// courier's own templates, in Kratos' layout (our wording, Kratos'
/// fields): `TYPE_DIR/PART_FILE` and the text.
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "authenticator_key_added/email.body.gotmpl",
        include_str!("templates/authenticator_key_added/email.body.gotmpl"),
    ),
    (
        "authenticator_key_added/email.body.plaintext.gotmpl",
        include_str!("templates/authenticator_key_added/email.body.plaintext.gotmpl"),
    ),
    (
        "authenticator_key_added/email.subject.gotmpl",
        include_str!("templates/authenticator_key_added/email.subject.gotmpl"),
    ),
    (
        "authenticator_key_added/sms.body.gotmpl",
        include_str!("templates/authenticator_key_added/sms.body.gotmpl"),
    ),
    (
        "login_code/valid/email.body.gotmpl",
        include_str!("templates/login_code/valid/email.body.gotmpl"),
    ),
    (
        "login_code/valid/email.body.plaintext.gotmpl",
        include_str!("templates/login_code/valid/email.body.plaintext.gotmpl"),
    ),
    (
        "login_code/valid/email.subject.gotmpl",
        include_str!("templates/login_code/valid/email.subject.gotmpl"),
    ),
    (
        "login_code/valid/sms.body.gotmpl",
        include_str!("templates/login_code/valid/sms.body.gotmpl"),
    ),
    (
        "recovery/invalid/email.body.gotmpl",
        include_str!("templates/recovery/invalid/email.body.gotmpl"),
    ),
    (
        "recovery/invalid/email.body.plaintext.gotmpl",
        include_str!("templates/recovery/invalid/email.body.plaintext.gotmpl"),
    ),
    (
        "recovery/invalid/email.subject.gotmpl",
        include_str!("templates/recovery/invalid/email.subject.gotmpl"),
    ),
    (
        "recovery/valid/email.body.gotmpl",
        include_str!("templates/recovery/valid/email.body.gotmpl"),
    ),
    (
        "recovery/valid/email.body.plaintext.gotmpl",
        include_str!("templates/recovery/valid/email.body.plaintext.gotmpl"),
    ),
    (
        "recovery/valid/email.subject.gotmpl",
        include_str!("templates/recovery/valid/email.subject.gotmpl"),
    ),
    (
        "recovery_code/invalid/email.body.gotmpl",
        include_str!("templates/recovery_code/invalid/email.body.gotmpl"),
    ),
    (
        "recovery_code/invalid/email.body.plaintext.gotmpl",
        include_str!("templates/recovery_code/invalid/email.body.plaintext.gotmpl"),
    ),
    (
        "recovery_code/invalid/email.subject.gotmpl",
        include_str!("templates/recovery_code/invalid/email.subject.gotmpl"),
    ),
    (
        "recovery_code/valid/email.body.gotmpl",
        include_str!("templates/recovery_code/valid/email.body.gotmpl"),
    ),
    (
        "recovery_code/valid/email.body.plaintext.gotmpl",
        include_str!("templates/recovery_code/valid/email.body.plaintext.gotmpl"),
    ),
    (
        "recovery_code/valid/email.subject.gotmpl",
        include_str!("templates/recovery_code/valid/email.subject.gotmpl"),
    ),
    (
        "recovery_code/valid/sms.body.gotmpl",
        include_str!("templates/recovery_code/valid/sms.body.gotmpl"),
    ),
    (
        "registration_code/valid/email.body.gotmpl",
        include_str!("templates/registration_code/valid/email.body.gotmpl"),
    ),
    (
        "registration_code/valid/email.body.plaintext.gotmpl",
        include_str!("templates/registration_code/valid/email.body.plaintext.gotmpl"),
    ),
    (
        "registration_code/valid/email.subject.gotmpl",
        include_str!("templates/registration_code/valid/email.subject.gotmpl"),
    ),
    (
        "registration_code/valid/sms.body.gotmpl",
        include_str!("templates/registration_code/valid/sms.body.gotmpl"),
    ),
    (
        "verifiable_address_changed/email.body.gotmpl",
        include_str!("templates/verifiable_address_changed/email.body.gotmpl"),
    ),
    (
        "verifiable_address_changed/email.body.plaintext.gotmpl",
        include_str!("templates/verifiable_address_changed/email.body.plaintext.gotmpl"),
    ),
    (
        "verifiable_address_changed/email.subject.gotmpl",
        include_str!("templates/verifiable_address_changed/email.subject.gotmpl"),
    ),
    (
        "verifiable_address_changed/sms.body.gotmpl",
        include_str!("templates/verifiable_address_changed/sms.body.gotmpl"),
    ),
    (
        "verification/invalid/email.body.gotmpl",
        include_str!("templates/verification/invalid/email.body.gotmpl"),
    ),
    (
        "verification/invalid/email.body.plaintext.gotmpl",
        include_str!("templates/verification/invalid/email.body.plaintext.gotmpl"),
    ),
    (
        "verification/invalid/email.subject.gotmpl",
        include_str!("templates/verification/invalid/email.subject.gotmpl"),
    ),
    (
        "verification/valid/email.body.gotmpl",
        include_str!("templates/verification/valid/email.body.gotmpl"),
    ),
    (
        "verification/valid/email.body.plaintext.gotmpl",
        include_str!("templates/verification/valid/email.body.plaintext.gotmpl"),
    ),
    (
        "verification/valid/email.subject.gotmpl",
        include_str!("templates/verification/valid/email.subject.gotmpl"),
    ),
    (
        "verification_code/invalid/email.body.gotmpl",
        include_str!("templates/verification_code/invalid/email.body.gotmpl"),
    ),
    (
        "verification_code/invalid/email.body.plaintext.gotmpl",
        include_str!("templates/verification_code/invalid/email.body.plaintext.gotmpl"),
    ),
    (
        "verification_code/invalid/email.subject.gotmpl",
        include_str!("templates/verification_code/invalid/email.subject.gotmpl"),
    ),
    (
        "verification_code/valid/email.body.gotmpl",
        include_str!("templates/verification_code/valid/email.body.gotmpl"),
    ),
    (
        "verification_code/valid/email.body.plaintext.gotmpl",
        include_str!("templates/verification_code/valid/email.body.plaintext.gotmpl"),
    ),
    (
        "verification_code/valid/email.subject.gotmpl",
        include_str!("templates/verification_code/valid/email.subject.gotmpl"),
    ),
    (
        "verification_code/valid/sms.body.gotmpl",
        include_str!("templates/verification_code/valid/sms.body.gotmpl"),
    ),
];

/// The built-in text of `TYPE_DIR/PART_FILE`, if courier has one.
#[must_use]
pub fn template(rel: &str) -> Option<&'static str> {
    TEMPLATES
        .iter()
        .find(|(p, _)| *p == rel)
        .map(|(_, text)| *text)
}

#[cfg(test)]
mod tests {
    use super::fit;

    #[test]
    fn passages_needing_a_missing_field_are_left_out() {
        let t = "a {{/* needs .X */}}b {{ .X }} {{/* end */}}c{{/* needs .Y */}}d{{/* end */}}";
        assert_eq!(
            fit(t, &["X"]),
            "a {{/* needs .X */}}b {{ .X }} {{/* end */}}c"
        );
        assert_eq!(fit(t, &["Y"]), "a c{{/* needs .Y */}}d{{/* end */}}");
        assert_eq!(fit("plain", &[]), "plain");
        assert_eq!(
            fit("broken {{/* needs .X */}} no end", &[]),
            "broken {{/* needs .X */}} no end"
        );
    }
}
