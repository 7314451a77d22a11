from data.passwords import hash_password, one_time_password, policy_problems, verify_password


def test_argon2id_hash_verifies_only_the_right_password():
    stored = hash_password("một mật khẩu dài đủ")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "một mật khẩu dài đủ")
    assert not verify_password(stored, "một mật khẩu dài đủ ")
    assert not verify_password(None, "anything at all")
    assert not verify_password("!", "anything at all")


def test_policy_refuses_short_common_and_username_passwords():
    assert policy_problems("ngắn", "xa1") == ["Mật khẩu phải có ít nhất 12 ký tự."]
    assert policy_problems("abcdef123456", "an") == ["Mật khẩu này quá phổ biến, dễ bị đoán."]
    assert policy_problems("xa_badinh-2026-mua-xuan", "xa_badinh") == [
        "Mật khẩu không được chứa tên đăng nhập."
    ]
    assert policy_problems("aaaaaaaaaaaaaaaa", "x", lang="en") == ["This password is too common."]
    assert policy_problems("Ngày bầu cử 15/3", "xa1") == []


def test_one_time_passwords_are_random_and_pass_the_policy():
    made = {one_time_password() for _ in range(50)}
    assert len(made) == 50
    assert all(policy_problems(p, "user") == [] for p in made)
