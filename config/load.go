package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// EnvPrefix starts every environment variable.
const EnvPrefix = "SUPPLYHUB_"

// Load reads the YAML file at path (none when empty) over the defaults,
// then applies environment overrides from env (os.Environ form), then
// validates, asking check about each channel's settings. It returns a
// Problems error listing every problem found.
func Load(path string, env []string, check ChannelCheck) (*Config, error) {
	var b []byte
	if path != "" {
		var err error
		if b, err = os.ReadFile(path); err != nil {
			return nil, fmt.Errorf("read config: %w", err)
		}
	}
	return parse(b, env, check)
}

// parse is Load on the file's bytes (nil for no file).
func parse(b []byte, env []string, check ChannelCheck) (*Config, error) {
	cfg := Default()
	var probs Problems
	if b != nil {
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
			probs = append(probs, yamlProblems(err)...)
		}
	}
	probs = append(probs, applyEnv(cfg, envMap(env))...)
	if cfg.Database.URL == "" {
		cfg.Database.URL = "sqlite:" + filepath.Join(cfg.DataDir, "supplyhub.db")
	}
	probs = append(probs, cfg.Validate(check)...)
	if len(probs) > 0 {
		return cfg, probs
	}
	return cfg, nil
}

var unknownFieldRE = regexp.MustCompile(`^(line \d+): field (\S+) not found in type`)

func yamlProblems(err error) Problems {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		var ps Problems
		for _, e := range te.Errors {
			// "line 4: field bogus not found in type config.Config"
			if m := unknownFieldRE.FindStringSubmatch(e); m != nil {
				ps = append(ps, Problem{Key: m[2], Msg: "unknown key (" + m[1] + ")"})
				continue
			}
			ps = append(ps, Problem{Key: "(file)", Msg: e})
		}
		return ps
	}
	return Problems{{Key: "(file)", Msg: err.Error()}}
}

func envMap(env []string) map[string]string {
	m := make(map[string]string, len(env))
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, EnvPrefix) {
			m[k] = v
		}
	}
	return m
}

var durationType = reflect.TypeOf(time.Duration(0))

// applyEnv walks the scalar fields of cfg and sets each from its variable
// (or the file named by its _FILE variable).
func applyEnv(cfg *Config, env map[string]string) Problems {
	var probs Problems
	var walk func(v reflect.Value, path []string)
	walk = func(v reflect.Value, path []string) {
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
			if tag == "" || tag == "-" {
				continue
			}
			fv := v.Field(i)
			p := append(append([]string{}, path...), tag)
			if f.Type.Kind() == reflect.Struct && f.Type != durationType {
				walk(fv, p)
				continue
			}
			if f.Type.Kind() == reflect.Slice || f.Type.Kind() == reflect.Map {
				continue
			}
			name := EnvPrefix + strings.ToUpper(strings.Join(p, "_"))
			key := strings.Join(p, ".")
			val, ok, err := lookup(env, name)
			if err != nil {
				probs = append(probs, Problem{Key: key, Msg: err.Error()})
				continue
			}
			if !ok {
				continue
			}
			if err := setScalar(fv, val); err != nil {
				probs = append(probs, Problem{Key: key, Msg: fmt.Sprintf("%s: %v", name, err)})
			}
		}
	}
	walk(reflect.ValueOf(cfg).Elem(), nil)
	return probs
}

// lookup returns NAME, or the trimmed content of the file named by NAME_FILE.
func lookup(env map[string]string, name string) (string, bool, error) {
	if v, ok := env[name]; ok {
		return v, true, nil
	}
	if f, ok := env[name+"_FILE"]; ok {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", false, fmt.Errorf("%s_FILE: %w", name, err)
		}
		return strings.TrimRight(string(b), "\r\n"), true, nil
	}
	return "", false, nil
}

func setScalar(v reflect.Value, s string) error {
	if v.Type() == durationType {
		d, err := time.ParseDuration(s)
		if err != nil {
			return err
		}
		v.SetInt(int64(d))
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Int, reflect.Int64, reflect.Int32:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("not an integer: %q", s)
		}
		v.SetInt(n)
	case reflect.Float64:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("not a number: %q", s)
		}
		v.SetFloat(f)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("not a boolean: %q", s)
		}
		v.SetBool(b)
	default:
		return fmt.Errorf("cannot be set from the environment")
	}
	return nil
}

// EnvNames lists every variable Load understands, for documentation.
func EnvNames() []string {
	var names []string
	var walk func(t reflect.Type, path []string)
	walk = func(t reflect.Type, path []string) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
			if tag == "" || tag == "-" || f.Type.Kind() == reflect.Slice || f.Type.Kind() == reflect.Map {
				continue
			}
			p := append(append([]string{}, path...), tag)
			if f.Type.Kind() == reflect.Struct && f.Type != durationType {
				walk(f.Type, p)
				continue
			}
			names = append(names, EnvPrefix+strings.ToUpper(strings.Join(p, "_")))
		}
	}
	walk(reflect.TypeOf(Config{}), nil)
	return names
}
